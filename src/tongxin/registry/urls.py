from django.urls import path

from . import views, visit_views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/export/", views.person_export, name="person_export"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/move/", views.stay_move, name="stay_move"),
    path("persons/<int:pk>/depart/", views.stay_depart, name="stay_depart"),
    path("persons/<int:pk>/merge/<int:other>/", views.merge, name="merge"),
    path("housing/", views.housing_list, name="housing_list"),
    path("housing/export/", views.housing_export, name="housing_export"),
    path("households/", views.household_list, name="household_list"),
    path("households/export/", views.household_export, name="household_export"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicate-rules/", views.duplicate_rules, name="duplicate_rules"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/new/", visit_views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", visit_views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/check/", visit_views.visit_check, name="visit_check"),
    path(
        "visits/<int:pk>/members/<int:index>/remove/",
        visit_views.visit_member_remove,
        name="visit_member_remove",
    ),
    path("visits/<int:pk>/submit/", visit_views.visit_submit, name="visit_submit"),
]
