from django.urls import path

from . import views

app_name = "coordination"
urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/export/", views.task_export, name="task_export"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/export/", views.notice_export, name="notice_export"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/export/", views.assessment_export, name="assessment_export"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/criteria/", views.criteria, name="criteria"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/export/", views.inspection_export, name="inspection_export"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/windows/", views.window_list, name="window_list"),
    path("inspections/windows/export/", views.window_export, name="window_export"),
    path("inspections/checklists/", views.checklists, name="checklists"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/export/", views.meeting_export, name="meeting_export"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/export/", views.region_export, name="region_export"),
    path("regions/new/", views.region_new, name="region_new"),
    path("regions/<int:pk>/", views.region_detail, name="region_detail"),
    path("statistics/", views.statistics, name="statistics"),
]
