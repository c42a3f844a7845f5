from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("columns/", views.column_list, name="columns"),
    path("columns/new/", views.column_edit, name="column_new"),
    path("columns/<slug:code>/", views.column_edit, name="column_edit"),
    path("<str:code>/<str:period>/", views.form_detail, name="form"),
    path("<str:code>/<str:period>/print/", views.form_print, name="form_print"),
    path("<str:code>/<str:period>/diff/", views.form_diff, name="form_diff"),
    path("<str:code>/<str:period>/<str:fmt>/", views.form_export, name="form_export"),
]
