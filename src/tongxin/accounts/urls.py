from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    # Not under users/ or departments/: a username or code "export" would be shadowed.
    path("exports/users/", views.user_export, name="user_export"),
    path("exports/departments/", views.department_export, name="department_export"),
    path("users/<str:username>/", views.user_edit, name="user_edit"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_edit, name="department_create"),
    path("departments/<str:code>/", views.department_edit, name="department_edit"),
    path("policy/", views.policy_edit, name="policy"),
]
