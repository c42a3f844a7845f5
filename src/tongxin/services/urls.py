from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/export/", views.request_export, name="request_export"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/receipt/", views.request_receipt, name="request_receipt"),
    path("requests/<int:pk>/assistance/", views.assistance, name="assistance"),
    path(
        "requests/<int:pk>/attachments/<int:attachment>/",
        views.attachment_download,
        name="attachment",
    ),
    path("requests/<int:pk>/referral/", views.referral_form, name="referral_form"),
    path("metrics/", views.metrics, name="metrics"),
    path("categories/", views.categories, name="categories"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
