from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("", views.unit_root, name="root"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("grids/<str:code>/edit/", views.grid_edit, name="grid_edit"),
]
