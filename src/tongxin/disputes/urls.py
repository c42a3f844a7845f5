from django.urls import path

from . import views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list, name="dispute_list"),
    path("export/", views.dispute_export, name="dispute_export"),
    path("new/", views.dispute_new, name="dispute_new"),
    path("<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("<int:pk>/edit/", views.dispute_edit, name="dispute_edit"),
    path("<int:pk>/documents/<int:document>/", views.dispute_document, name="dispute_document"),
    path("screening/", views.screening_list, name="screening_list"),
    path("screening/export/", views.screening_export, name="screening_export"),
    path("screening/new/", views.screening_new, name="screening_new"),
    path("screening/calendar/", views.screening_calendar, name="screening_calendar"),
    path("screening/rule/", views.screening_rule, name="screening_rule"),
    path("screening/<int:pk>/", views.screening_detail, name="screening_detail"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/export/", views.incident_export, name="incident_export"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("statistics/", views.statistics, name="statistics"),
]
