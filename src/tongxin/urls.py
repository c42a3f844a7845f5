from django.urls import include, path

from tongxin.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("calendar/", core_views.work_calendar, name="work_calendar"),
    path("calendar/<int:pk>/delete", core_views.calendar_day_delete, name="calendar_day_delete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("tongxin.accounts.urls")),
    path("geo/", include("tongxin.geo.urls")),
    path("registry/", include("tongxin.registry.urls")),
    path("audit/", include("tongxin.audit.urls")),
    path("exchange/", include("tongxin.exchange.urls")),
    path("services/", include("tongxin.services.urls")),
    path("disputes/", include("tongxin.disputes.urls")),
    path("coordination/", include("tongxin.coordination.urls")),
    path("reports/", include("tongxin.reports.urls")),
    path("analytics/", include("tongxin.analytics.urls")),
    path("api/v1/", include("tongxin.api.urls")),
]
