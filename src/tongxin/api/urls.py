from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import coordination, disputes, registry, reports, requests, views

router = SimpleRouter()
router.register("persons", registry.PersonViewSet, basename="persons")
router.register("households", registry.HouseholdViewSet, basename="households")
router.register("housing", registry.HousingViewSet, basename="housing")
router.register("stays", registry.StayViewSet, basename="stays")
router.register("requests", requests.RequestViewSet, basename="requests")
router.register("screening-reports", disputes.ScreeningReportViewSet, basename="screening-reports")
router.register("disputes", disputes.DisputeViewSet, basename="disputes")
router.register("tasks", coordination.TaskViewSet, basename="tasks")
router.register("inspections", coordination.InspectionViewSet, basename="inspections")
router.register("meetings", coordination.MeetingViewSet, basename="meetings")

app_name = "api"
urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("geo/units/", views.UnitList.as_view(), name="units"),
    path("departments/", views.DepartmentList.as_view(), name="departments"),
    path("audit/events/", views.AuditEventList.as_view(), name="audit_events"),
    path("reports/stats/", reports.StatsReport.as_view(), name="stats_report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.api_docs, name="docs"),
    *router.urls,
]
