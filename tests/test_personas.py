"""Every URL and API endpoint tried as each demo role and as anonymous.

Expected outcomes: 200 (or the given redirect) where the role may see the page; 403 where
the role lacks the capability; 404 where it has the capability but the object is outside its
data scope; the login page (302) or 401 for anonymous callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from tongxin.accounts.models import Department, SecurityPolicy, User
from tongxin.core.models import CalendarDay
from tongxin.exchange.models import ImportJob
from tongxin.geo.models import Unit
from tongxin.registry.models import (
    BreakGlassGrant,
    DuplicateRule,
    Household,
    Housing,
    Person,
    Stay,
    VisitDraft,
)
from tongxin.services.models import ServiceRequest

from .conftest import PERSONAS

ALL = set(PERSONAS)
PERSON_READERS = {
    "city_admin",
    "district_officer",
    "street_officer",
    "community_officer",
    "grid_worker_a",
    "grid_worker_b",
    "police_liaison",
}
GEO_READERS = PERSON_READERS | {"leader", "sysadmin"}
GEO_MANAGERS = {"city_admin", "district_officer", "street_officer", "community_officer"}
PERSON_WRITERS = GEO_MANAGERS | {"grid_worker_a", "grid_worker_b"}
MERGERS = {"city_admin", "district_officer", "street_officer"}
EXPORTERS = MERGERS | {"community_officer"}
IMPORTERS = EXPORTERS
LIST_EXPORTERS = EXPORTERS | {"police_liaison"}  # requests, disputes and tasks as files
REQUEST_READERS = PERSON_READERS
REQUEST_HANDLERS = PERSON_READERS - {"police_liaison"}
DASHBOARD_READERS = REQUEST_HANDLERS | {"leader"}
# A request received by the street officer belongs to the street (not yet referred anywhere).
REQUEST_VIEWERS = {"city_admin", "district_officer", "street_officer"}
DEMO_COMMUNITY = "410104001001"
# Screening and mediation (disputes app): where disputes arise, the community and below.
DISPUTE_READERS = {
    "city_admin",
    "district_officer",
    "street_officer",
    "community_officer",
    "grid_worker_a",
    "grid_worker_b",
}
DISPUTE_WRITERS = DISPUTE_READERS
SCREENING_FILERS = DISPUTE_READERS - {"grid_worker_a", "grid_worker_b"}
# The demo community's dispute, report and incident: seen from the community upwards.
COMMUNITY_VIEWERS = SCREENING_FILERS
GRID_WORKERS = {"grid_worker_a", "grid_worker_b"}
# Coordination: offices (bureau officers) manage; streets, departments and leaders follow.
COORD_READERS = {"city_admin", "district_officer", "street_officer", "police_liaison", "leader"}
COORD_MANAGERS = {"city_admin", "district_officer"}
INSPECTORS = COORD_MANAGERS
COOP_READERS = {"city_admin", "district_officer", "origin_liaison"}
# The city's demo task is assigned to the demo street, a city and a district department.
TASK_VIEWERS = {"city_admin", "district_officer", "street_officer", "leader"}
# The city's joint meeting invites the city's departments (police among them).
MEETING_VIEWERS = {"city_admin", "leader", "police_liaison"}
# The hotel inspected in the demo street, supervised by culture and tourism.
INSPECTION_VIEWERS = TASK_VIEWERS
# The assessment of the demo street.
ASSESSMENT_VIEWERS = {"city_admin", "district_officer", "street_officer", "leader"}


@dataclass
class Route:
    name: str
    allowed: set[str]
    args: tuple = ()
    ok: int = 200
    out_of_scope: set[str] = field(default_factory=set)  # have the capability, get 404
    api: bool = False


def grid_a() -> str:
    return User.objects.get(username="grid_worker_a").unit.code


def person_in_grid_a() -> int:
    return Person.objects.filter(unit_path=grid_a(), present=True).order_by("pk").first().pk


def other_person_in_grid_a() -> int:
    return Person.objects.filter(unit_path=grid_a(), present=True).order_by("pk")[1].pk


def job_of_street_officer() -> int:
    """An import job of street_officer's, with its file and error report on disk."""
    from openpyxl import Workbook

    from tongxin.exchange.importer import import_dir
    from tongxin.exchange.models import ImportJob

    folder = import_dir()
    source = folder / "persona-test.csv"
    source.write_text("姓名,性别\n马明,男\n", encoding="utf-8")
    report = folder / "persona-test.rejected.xlsx"
    book = Workbook()
    book.active.append(["行号", "原因"])
    book.save(report)
    job = ImportJob.objects.create(
        user=User.objects.get(username="street_officer"),
        source="测试",
        filename="persona-test.csv",
        path=str(source),
        file_sha256="0" * 64,
        error_report=str(report),
        status="mapping",  # uploaded, its columns not yet confirmed: the mapping page is open
    )
    return job.pk


def request_of_street_officer() -> int:
    from tongxin.services.models import Category
    from tongxin.services.services import request_receive

    return request_receive(
        actor=User.objects.get(username="street_officer"),
        category=Category.objects.get(code="employment"),
        channel="window",
        description="找工作",
        requester_name="马明",
        requester_phone="13912345678",
    ).pk


def attachment_of_request() -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.services.services import attachment_add

    request = ServiceRequest.objects.order_by("-pk").first()
    return attachment_add(
        actor=User.objects.get(username="street_officer"),
        request=request,
        upload=SimpleUploadedFile("证明.pdf", b"%PDF-1.4"),
    ).pk


def dispute_of_community() -> int:
    """The demo community's dispute still being mediated."""
    from tongxin.disputes.models import Dispute

    return (
        Dispute.objects.filter(unit__code=DEMO_COMMUNITY, grid=None, status="mediating")
        .order_by("pk")
        .first()
        .pk
    )


def document_of_dispute() -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tongxin.disputes.models import Dispute
    from tongxin.disputes.services import document_add

    dispute = Dispute.objects.get(pk=dispute_of_community())
    return document_add(
        actor=User.objects.get(username="community_officer"),
        dispute=dispute,
        upload=SimpleUploadedFile("调解协议书.pdf", b"%PDF-1.4"),
        is_agreement=True,
    ).pk


def report_of_community() -> int:
    from tongxin.disputes.models import ScreeningReport

    return ScreeningReport.objects.filter(unit__code=DEMO_COMMUNITY).order_by("pk").first().pk


def incident_of_community() -> int:
    from tongxin.disputes.models import Incident

    return Incident.objects.filter(unit__code=DEMO_COMMUNITY).order_by("pk").first().pk


def city_task() -> int:
    from tongxin.coordination.models import SupervisionTask

    return SupervisionTask.objects.filter(kind="supervision").order_by("pk").first().pk


def city_notice() -> int:
    from tongxin.coordination.models import CirculationNotice

    return CirculationNotice.objects.order_by("pk").first().pk


def street_assessment() -> int:
    from tongxin.coordination.models import Assessment

    return Assessment.objects.get(unit__code="410104001").pk


def hotel_inspection() -> int:
    from tongxin.coordination.models import Inspection

    return Inspection.objects.get(window_unit__name="商城路宾馆", round=1).pk


def city_meeting() -> int:
    from tongxin.coordination.models import JointMeeting

    return JointMeeting.objects.get(kind="regular", unit__code="410100").pk


def partner_region() -> int:
    from tongxin.coordination.models import PartnerRegion

    return PartnerRegion.objects.order_by("pk").first().pk


def household_in_grid_a() -> int:
    return Household.objects.filter(unit_path=grid_a()).order_by("pk").first().pk


def housing_in_grid_a() -> int:
    return Housing.objects.filter(unit_path=grid_a()).order_by("pk").first().pk


def stay_in_grid_a() -> int:
    return Stay.objects.filter(unit_path=grid_a()).order_by("pk").first().pk


def entered_calendar_day() -> int:
    return CalendarDay.objects.create(day="2027-01-01", workday=False, name="元旦").pk


def draft_of_grid_worker_a() -> int:
    draft = VisitDraft(user=User.objects.get(username="grid_worker_a"))
    draft.data = {"housing": {}, "members": []}
    draft.save()
    return draft.pk


ROUTES = [
    Route("home", ALL),
    Route("accounts:password_change", ALL),
    Route("registry:person_list", PERSON_READERS),
    Route(
        "registry:person_detail",
        PERSON_READERS - {"grid_worker_b"},
        args=("person_a",),
        out_of_scope={"grid_worker_b"},
    ),
    Route(
        "registry:person_edit",
        PERSON_WRITERS - {"grid_worker_b"},
        args=("person_a",),
        out_of_scope={"grid_worker_b"},
    ),
    Route(
        "registry:stay_move",
        PERSON_WRITERS - {"grid_worker_b"},
        args=("person_a",),
        out_of_scope={"grid_worker_b"},
    ),
    Route(
        "registry:stay_depart",
        PERSON_WRITERS - {"grid_worker_b"},
        args=("person_a",),
        out_of_scope={"grid_worker_b"},
    ),
    Route("registry:merge", MERGERS, args=("person_a", "person_a2")),
    Route("registry:housing_list", PERSON_READERS),
    Route("registry:household_list", PERSON_READERS),
    Route("registry:household_export", EXPORTERS),
    Route("registry:housing_export", EXPORTERS),  # the registry's right, not the lists'
    Route("registry:duplicates", MERGERS),
    Route("registry:duplicate_rules", MERGERS),
    Route("registry:break_glass", MERGERS),
    Route("registry:person_export", EXPORTERS),
    Route("registry:visit_list", PERSON_WRITERS),
    Route("registry:visit_new", PERSON_WRITERS, ok=302),
    Route(
        "registry:visit_edit",
        {"grid_worker_a"},
        args=("draft_a",),
        out_of_scope=PERSON_WRITERS - {"grid_worker_a"},
    ),
    # POST-only steps of the visit: a GET is refused with 405 once the role may write.
    Route("registry:visit_check", PERSON_WRITERS, args=("draft_a",), ok=405),
    Route("registry:visit_member_remove", PERSON_WRITERS, args=("draft_a", 0), ok=405),
    Route("registry:visit_submit", PERSON_WRITERS, args=("draft_a",), ok=405),
    Route("exchange:import_list", IMPORTERS),
    Route("exchange:import_list_export", IMPORTERS & LIST_EXPORTERS),
    Route("exchange:import_upload", IMPORTERS),
    Route("exchange:import_template", IMPORTERS),
    Route(
        "exchange:import_mapping",
        {"street_officer"},
        args=("job_s",),
        out_of_scope=IMPORTERS - {"street_officer"},
    ),
    Route(
        "exchange:import_progress",
        {"street_officer"},
        args=("job_s",),
        out_of_scope=IMPORTERS - {"street_officer"},
    ),
    Route(
        "exchange:import_report",
        {"street_officer"},
        args=("job_s",),
        out_of_scope=IMPORTERS - {"street_officer"},
    ),
    Route("exchange:import_cancel", IMPORTERS, args=("job_s",), ok=405),
    Route("exchange:import_resume", IMPORTERS, args=("job_s",), ok=405),
    Route("exchange:import_sheet", IMPORTERS, args=("job_s",), ok=405),
    Route("services:request_list", REQUEST_READERS),
    Route("services:request_export", REQUEST_READERS & LIST_EXPORTERS),
    Route("services:request_new", REQUEST_HANDLERS),
    Route(
        "services:request_detail",
        REQUEST_VIEWERS,
        args=("request_s",),
        out_of_scope=REQUEST_READERS - REQUEST_VIEWERS,
    ),
    Route(
        "services:request_receipt",
        REQUEST_VIEWERS,
        args=("request_s",),
        out_of_scope=REQUEST_READERS - REQUEST_VIEWERS,
    ),
    Route(
        "services:referral_form",
        REQUEST_VIEWERS,
        args=("request_s",),
        out_of_scope=REQUEST_READERS - REQUEST_VIEWERS,
    ),
    Route("services:assistance", REQUEST_READERS, args=("request_s",), ok=405),
    Route("services:metrics", DASHBOARD_READERS),
    Route("services:categories", {"city_admin", "district_officer"}),
    Route(
        "services:attachment",
        REQUEST_VIEWERS,
        args=("request_s", "attachment_s"),
        out_of_scope=REQUEST_READERS - REQUEST_VIEWERS,
    ),
    Route("services:notifications", ALL),
    Route("services:notifications_read", ALL, ok=405),
    Route("api:requests-list", REQUEST_READERS, api=True),
    Route(
        "api:requests-detail",
        REQUEST_VIEWERS,
        args=("request_s",),
        out_of_scope=REQUEST_READERS - REQUEST_VIEWERS,
        api=True,
    ),
    *[
        # POST-only actions: a GET by anyone who may read requests is refused with 405.
        Route(f"api:requests-{name}", REQUEST_READERS, args=("request_s",), ok=405, api=True)
        for name in (
            "note",
            "accept",
            "reject",
            "refer",
            "return",
            "start",
            "resolve",
            "follow-up",
            "close",
            "reopen",
        )
    ],
    # Screening and mediation.
    Route("disputes:screening_list", DISPUTE_READERS),
    Route("disputes:screening_new", SCREENING_FILERS),
    Route("disputes:screening_calendar", DASHBOARD_READERS),
    Route("disputes:screening_rule", {"city_admin", "district_officer"}),
    Route(
        "disputes:screening_detail",
        COMMUNITY_VIEWERS,
        args=("report_c",),
        out_of_scope=GRID_WORKERS,
    ),
    Route("disputes:dispute_list", DISPUTE_READERS),
    Route("disputes:dispute_export", DISPUTE_READERS & LIST_EXPORTERS),
    Route("disputes:screening_export", DISPUTE_READERS & LIST_EXPORTERS),
    Route("disputes:dispute_new", DISPUTE_WRITERS),
    Route(
        "disputes:dispute_detail", COMMUNITY_VIEWERS, args=("dispute_c",), out_of_scope=GRID_WORKERS
    ),
    Route(
        "disputes:dispute_edit", COMMUNITY_VIEWERS, args=("dispute_c",), out_of_scope=GRID_WORKERS
    ),
    Route(
        "disputes:dispute_document",
        COMMUNITY_VIEWERS,
        args=("dispute_c", "document_c"),
        out_of_scope=GRID_WORKERS,
    ),
    Route("disputes:incident_list", DISPUTE_READERS),
    Route("disputes:incident_export", DISPUTE_READERS & LIST_EXPORTERS),
    Route("disputes:incident_new", DISPUTE_WRITERS),
    Route(
        "disputes:incident_detail",
        COMMUNITY_VIEWERS,
        args=("incident_c",),
        out_of_scope=GRID_WORKERS,
    ),
    Route("disputes:statistics", DASHBOARD_READERS),
    Route("api:screening-reports-list", DISPUTE_READERS, api=True),
    Route(
        "api:screening-reports-detail",
        COMMUNITY_VIEWERS,
        args=("report_c",),
        out_of_scope=GRID_WORKERS,
        api=True,
    ),
    Route("api:disputes-list", DISPUTE_READERS, api=True),
    Route(
        "api:disputes-detail",
        COMMUNITY_VIEWERS,
        args=("dispute_c",),
        out_of_scope=GRID_WORKERS,
        api=True,
    ),
    *[
        Route(f"api:disputes-{name}", DISPUTE_READERS, args=("dispute_c",), ok=405, api=True)
        for name in ("sessions", "conclude", "review")
    ],
    # Coordination: supervision, notices, assessment, inspections, meetings, cooperation.
    Route("coordination:task_list", COORD_READERS),
    Route("coordination:task_export", COORD_READERS & LIST_EXPORTERS),
    Route("coordination:meeting_export", COORD_READERS & LIST_EXPORTERS),
    Route("coordination:task_new", COORD_MANAGERS),
    Route(
        "coordination:task_detail",
        TASK_VIEWERS,
        args=("task",),
        out_of_scope=COORD_READERS - TASK_VIEWERS,
    ),
    Route("coordination:notice_list", COORD_READERS),
    Route("coordination:notice_export", COORD_READERS & LIST_EXPORTERS),
    Route("coordination:notice_new", COORD_MANAGERS),
    Route("coordination:notice_detail", COORD_READERS, args=("notice",)),
    Route("coordination:notice_print", COORD_READERS, args=("notice",)),
    Route("coordination:assessment_list", DASHBOARD_READERS),
    Route("coordination:assessment_export", DASHBOARD_READERS & LIST_EXPORTERS),
    Route(
        "coordination:assessment_detail",
        ASSESSMENT_VIEWERS,
        args=("assessment",),
        out_of_scope=DASHBOARD_READERS - ASSESSMENT_VIEWERS,
    ),
    Route("coordination:criteria", COORD_MANAGERS),
    Route("coordination:inspection_list", COORD_READERS),
    Route("coordination:inspection_export", COORD_READERS & LIST_EXPORTERS),
    Route("coordination:inspection_new", INSPECTORS),
    Route(
        "coordination:inspection_detail",
        INSPECTION_VIEWERS,
        args=("inspection",),
        out_of_scope=COORD_READERS - INSPECTION_VIEWERS,
    ),
    Route("coordination:window_list", COORD_READERS),
    Route("coordination:window_export", COORD_READERS & LIST_EXPORTERS),
    Route("coordination:checklists", INSPECTORS),
    Route("coordination:meeting_list", COORD_READERS),
    Route("coordination:meeting_new", COORD_MANAGERS),
    Route(
        "coordination:meeting_detail",
        MEETING_VIEWERS,
        args=("meeting",),
        out_of_scope=COORD_READERS - MEETING_VIEWERS,
    ),
    Route("coordination:region_list", COOP_READERS),
    # Origin liaisons read their region but export nothing (no 导出工作清单).
    Route("coordination:region_export", COOP_READERS & LIST_EXPORTERS),
    Route("coordination:region_new", COORD_MANAGERS),
    Route(
        "coordination:region_detail",
        {"city_admin", "origin_liaison"},
        args=("region",),
        out_of_scope={"district_officer"},
    ),
    Route("coordination:statistics", DASHBOARD_READERS),
    Route("api:tasks-list", COORD_READERS, api=True),
    Route(
        "api:tasks-detail",
        TASK_VIEWERS,
        args=("task",),
        out_of_scope=COORD_READERS - TASK_VIEWERS,
        api=True,
    ),
    *[
        Route(f"api:tasks-{name}", COORD_READERS, args=("task",), ok=405, api=True)
        for name in ("progress", "submit", "review")
    ],
    Route("api:inspections-list", COORD_READERS, api=True),
    Route(
        "api:inspections-detail",
        INSPECTION_VIEWERS,
        args=("inspection",),
        out_of_scope=COORD_READERS - INSPECTION_VIEWERS,
        api=True,
    ),
    Route("api:meetings-list", COORD_READERS, api=True),
    Route(
        "api:meetings-detail",
        MEETING_VIEWERS,
        args=("meeting",),
        out_of_scope=COORD_READERS - MEETING_VIEWERS,
        api=True,
    ),
    # Statistics: forms from the community up (grid workers' scope holds none), dashboards
    # from the grid up; the city-wide columns configured by the city's bureau only.
    Route("analytics:dashboard", DASHBOARD_READERS),
    Route("reports:index", DASHBOARD_READERS - GRID_WORKERS, out_of_scope=GRID_WORKERS),
    *[
        Route(name, DASHBOARD_READERS - GRID_WORKERS, args=args, out_of_scope=GRID_WORKERS)
        for name, args in (
            ("reports:form", (DEMO_COMMUNITY, "last_month")),
            ("reports:form_print", (DEMO_COMMUNITY, "last_month")),
            ("reports:form_export", (DEMO_COMMUNITY, "last_month", "xlsx")),
        )
    ],
    Route(
        "reports:form_diff",
        DASHBOARD_READERS - GRID_WORKERS - {"community_officer"},
        args=("submitted_community", "last_month"),
        out_of_scope=GRID_WORKERS | {"community_officer"},  # another community's form
    ),
    Route("reports:columns", {"city_admin"}),
    Route("reports:column_new", {"city_admin"}),
    Route("reports:column_edit", {"city_admin"}, args=("present",)),
    Route("api:stats_report", DASHBOARD_READERS, ok=400, api=True),  # no unit given: 400
    Route("geo:root", GEO_READERS, ok=302),
    Route(
        "geo:unit",
        GEO_READERS - {"grid_worker_a", "grid_worker_b"},
        args=(DEMO_COMMUNITY,),
        out_of_scope={"grid_worker_a", "grid_worker_b"},
    ),
    Route("geo:grid_edit", GEO_MANAGERS, args=("grid_a",)),
    Route("accounts:department_list", GEO_READERS),
    Route("accounts:department_export", GEO_READERS & LIST_EXPORTERS),
    Route("accounts:department_create", {"city_admin", "district_officer"}),
    Route(
        "accounts:department_edit",
        {"city_admin"},
        args=("410100-police",),
        out_of_scope={"district_officer"},
    ),
    Route("accounts:user_list", {"sysadmin"}),
    Route("accounts:user_export", {"sysadmin"}),
    Route("accounts:user_create", {"sysadmin"}),
    Route("accounts:user_edit", {"sysadmin"}, args=("street_officer",)),
    Route("accounts:policy", {"secadmin"}),
    Route("work_calendar", ALL),
    Route("calendar_day_delete", {"sysadmin"}, args=("calday",), ok=405),
    Route("audit:events", {"auditor"}),
    Route("audit:export", {"auditor"}),
    Route("api:docs", ALL),
    Route("api:schema", ALL, api=True),
    Route("api:units", GEO_READERS, api=True),
    Route("api:departments", GEO_READERS, api=True),
    Route("api:audit_events", {"auditor"}, api=True),
    Route("api:persons-list", PERSON_READERS, api=True),
    Route(
        "api:persons-detail",
        PERSON_READERS - {"grid_worker_b"},
        args=("person_a",),
        out_of_scope={"grid_worker_b"},
        api=True,
    ),
    Route("api:households-list", PERSON_READERS, api=True),
    Route(
        "api:households-detail",
        PERSON_READERS - {"grid_worker_b"},
        args=("household_a",),
        out_of_scope={"grid_worker_b"},
        api=True,
    ),
    Route("api:housing-list", PERSON_READERS, api=True),
    Route(
        "api:housing-detail",
        PERSON_READERS - {"grid_worker_b"},
        args=("housing_a",),
        out_of_scope={"grid_worker_b"},
        api=True,
    ),
    Route("api:stays-list", PERSON_READERS, api=True),
    Route(
        "api:stays-detail",
        PERSON_READERS - {"grid_worker_b"},
        args=("stay_a",),
        out_of_scope={"grid_worker_b"},
        api=True,
    ),
]
# Pages whose behaviour is not a matter of role, tested in their own modules.
TESTED_ELSEWHERE = {
    "accounts:login",
    "accounts:logout",
    "accounts:otp_verify",
    "accounts:otp_setup",
    "api:token",
    "healthz",
    "set_language",
}


def _resolve_args(route: Route) -> tuple:
    values = {
        "person_a": person_in_grid_a,
        "calday": entered_calendar_day,
        "person_a2": other_person_in_grid_a,
        "grid_a": grid_a,
        "draft_a": draft_of_grid_worker_a,
        "household_a": household_in_grid_a,
        "job_s": job_of_street_officer,
        "request_s": request_of_street_officer,
        "attachment_s": attachment_of_request,
        "housing_a": housing_in_grid_a,
        "stay_a": stay_in_grid_a,
        "dispute_c": dispute_of_community,
        "dispute_e": pending_ethnic_dispute,
        "document_c": document_of_dispute,
        "report_c": report_of_community,
        "incident_c": incident_of_community,
        "task": city_task,
        "notice": city_notice,
        "assessment": street_assessment,
        "inspection": hotel_inspection,
        "meeting": city_meeting,
        "region": partner_region,
        "last_month": last_month,
        "submitted_community": submitted_community,
    }
    return tuple(values[a]() if a in values else a for a in route.args)


def last_month() -> str:
    from tongxin.reports.periods import last_complete

    return last_complete("month", timezone.localdate()).key


def submitted_community() -> str:
    """The demo street's community whose form waits for the street's review."""
    from tongxin.reports.models import StatForm

    return StatForm.objects.get(status="submitted", period=last_month()).unit.code


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif p.name:
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_is_in_the_persona_table():
    covered = {r.name for r in ROUTES} | TESTED_ELSEWHERE
    assert _all_url_names() - covered == set()


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("persona", ["anonymous", *PERSONAS])
def test_get_as_persona(route, persona, client, as_user):
    as_user(persona)
    url = reverse(route.name, args=_resolve_args(route))
    response = client.get(url)
    if persona == "anonymous":
        if route.api:
            assert response.status_code in (401, 403)
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
    elif persona in route.allowed:
        assert response.status_code == route.ok
    elif persona in route.out_of_scope:
        assert response.status_code == 404
    else:
        assert response.status_code == 403


def _snapshot():
    person = Person.objects.get(pk=person_in_grid_a())
    return (
        BreakGlassGrant.objects.count(),
        Person.objects.filter(merged_into__isnull=False).count(),
        DuplicateRule.objects.count(),
        ImportJob.objects.count(),
        tuple(ServiceRequest.objects.values_list("status", flat=True).order_by("pk")),
        Person.objects.count(),
        Stay.objects.count(),
        (person.name, person.present, person.merged_into_id, person.history.count()),
        Unit.objects.count(),
        User.objects.count(),
        Department.objects.count(),
        tuple(SecurityPolicy.objects.values_list("max_failures", "lock_minutes")),
        sorted(User.objects.get(username="street_officer").roles),
        _coordination_snapshot(),
        _reports_snapshot(),
        tuple(CalendarDay.objects.values_list("day", flat=True)),
    )


def _reports_snapshot():
    from tongxin.reports.models import ReportColumn, StatForm

    return (
        tuple(StatForm.objects.values_list("unit__code", "status").order_by("pk")),
        ReportColumn.objects.count(),
    )


def _coordination_snapshot():
    from tongxin.coordination.models import ExchangeRecord, JointMeeting, SupervisionTask
    from tongxin.disputes.models import Dispute, MediationSession, ScreeningReport

    return (
        ScreeningReport.objects.count(),
        Dispute.objects.count(),
        MediationSession.objects.count(),
        SupervisionTask.objects.count(),
        JointMeeting.objects.count(),
        ExchangeRecord.objects.count(),
    )


POSTS = [
    ("geo:unit", (DEMO_COMMUNITY,), {"name": "新画的网格"}, GEO_MANAGERS),
    (
        "accounts:department_create",
        (),
        {"code": "410100-x", "name": "新部门", "kind": "police", "unit_code": "410100"},
        {"city_admin", "district_officer"},
    ),
    (
        "accounts:user_create",
        (),
        {
            "username": "newbie",
            "unit": "410100",
            "roles": ["leader"],
            "data_scope": "unit",
            "password": "Str0ng!Passw0rd",
            "is_active": "on",
        },
        {"sysadmin"},
    ),
    (
        "accounts:user_edit",
        ("street_officer",),
        {"unit": "410100", "roles": ["bureau_officer"], "data_scope": "all", "is_active": "on"},
        {"sysadmin"},
    ),
    (
        "accounts:policy",
        (),
        {
            "max_failures": 3,
            "lock_minutes": 1,
            "idle_timeout_minutes": 5,
            "password_max_age_days": 1,
        },
        {"secadmin"},
    ),
    (
        "work_calendar",
        (),
        {"start": "2099-02-06", "end": "2099-02-13", "workday": "0", "name": "春节"},
        {"sysadmin"},
    ),
    ("calendar_day_delete", ("calday",), {}, {"sysadmin"}),
    ("registry:person_edit", ("person_a",), "person_edit_data", PERSON_WRITERS - {"grid_worker_b"}),
    ("registry:stay_depart", ("person_a",), "depart_data", PERSON_WRITERS - {"grid_worker_b"}),
    ("registry:merge", ("person_a", "person_a2"), {"reason": "同一人两次登记"}, MERGERS),
    ("registry:visit_submit", ("draft_a",), {}, set()),
    ("registry:break_glass", (), "break_glass_data", MERGERS),
    ("exchange:import_upload", (), "upload_data", IMPORTERS),
    (
        "services:request_new",
        (),
        {
            "category": "1",
            "channel": "window",
            "requester_name": "马明",
            "requester_phone": "13912345678",
            "description": "咨询",
        },
        REQUEST_HANDLERS,
    ),
    ("services:request_detail", ("request_s",), {"action": "accept"}, REQUEST_VIEWERS),
    ("disputes:screening_new", (), "zero_report_data", SCREENING_FILERS),
    ("disputes:dispute_new", (), "dispute_data", DISPUTE_WRITERS),
    ("disputes:dispute_detail", ("dispute_c",), "session_data", COMMUNITY_VIEWERS),
    ("coordination:task_new", (), "task_data", COORD_MANAGERS),
    ("coordination:meeting_new", (), "meeting_data", COORD_MANAGERS),
    ("coordination:region_detail", ("region",), "exchange_data", {"city_admin"}),
    (
        "reports:form",
        (DEMO_COMMUNITY, "last_month"),
        {"action": "submit", "preparer": "社区专干"},
        {"community_officer", "street_officer"},
    ),
    (
        "reports:form",
        ("submitted_community", "last_month"),
        {"action": "accept"},
        {"street_officer"},
    ),
    (
        "reports:column_new",
        (),
        {
            "code": "eth_dongxiang",
            "group": "民族",
            "label": "东乡族",
            "keys": "eth:26",
            "order": 999,
        },
        {"city_admin"},
    ),
    (
        "registry:duplicate_rules",
        (),
        {"action": "add", "name": "同名同性别同民族", "compare": ["name", "sex", "ethnicity"]},
        MERGERS,
    ),
]


def person_edit_data() -> dict:
    person = Person.objects.get(pk=person_in_grid_a())
    return {
        "name": person.name + "·改",
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "birth_date": person.birth_date.isoformat(),
        "change_reason": "核对证件后更正",
    }


def depart_data() -> dict:
    return {"departure_date": timezone.localdate().isoformat(), "destination": "返乡"}


def break_glass_data() -> dict:
    person = Person.objects.get(pk=person_in_grid_a())
    return {"id_type": "citizen_id", "id_number": person.id_number, "reason": "紧急就医需联系家属"}


def upload_data() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("p.csv", "姓名,性别\n马明,男\n".encode()), "source": "测试"}


def zero_report_data() -> dict:
    from datetime import timedelta

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return {"unit": DEMO_COMMUNITY, "period": last_month, "is_zero": "on", "visits": "30"}


def dispute_data() -> dict:
    today = timezone.localdate().isoformat()
    return {
        "unit": DEMO_COMMUNITY,
        "kind": "rental",
        "source": "screening",
        "place": "新华社区 3 号院",
        "occurred_on": today,
        "found_on": today,
        "facts": "房东与租户因押金退还发生争执。",
        "risk_level": "low",
        "p1-name": "马明",
        "p1-role": "applicant",
        "p2-role": "respondent",
    }


def session_data() -> dict:
    return {
        "action": "session",
        "held_on": timezone.localdate().isoformat(),
        "mediators": "社区调解员",
        "outcome": "双方同意再协商。",
    }


def task_data() -> dict:
    return {
        "title": "排查出租房屋安全隐患",
        "description": "逐户排查并报送台账。",
        "due_date": (timezone.localdate() + __import__("datetime").timedelta(days=10)).isoformat(),
        "units": ["410104001"],
    }


def meeting_data() -> dict:
    return {
        "title": "专题会议",
        "kind": "special",
        "date": timezone.localdate().isoformat(),
        "agenda": "研究子女入学问题。",
    }


def exchange_data() -> dict:
    return {
        "action": "exchange",
        "kind": "information",
        "date": timezone.localdate().isoformat(),
        "title": "通报就业情况",
        "content": "本月就业培训一期。",
        "shared": "on",
    }


DATA_BUILDERS = {
    "zero_report_data": zero_report_data,
    "dispute_data": dispute_data,
    "session_data": session_data,
    "task_data": task_data,
    "meeting_data": meeting_data,
    "exchange_data": exchange_data,
    "upload_data": upload_data,
    "person_edit_data": person_edit_data,
    "depart_data": depart_data,
    "break_glass_data": break_glass_data,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name,args,data,allowed", POSTS, ids=[p[0] for p in POSTS])
@pytest.mark.parametrize("persona", ["anonymous", *PERSONAS])
def test_denied_writes_change_nothing(name, args, data, allowed, persona, client, as_user):
    if persona in allowed:
        pytest.skip("allowed writes are tested in each module")
    as_user(persona)
    args = _resolve_args(Route(name, set(), args=args))
    data = DATA_BUILDERS[data]() if isinstance(data, str) else data
    before = _snapshot()
    response = client.post(reverse(name, args=args), data)
    assert response.status_code in (302, 403, 404)
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name,args,data,allowed", POSTS, ids=[p[0] for p in POSTS])
def test_allowed_writes_change_something(name, args, data, allowed, client, as_user):
    if not allowed:
        pytest.skip("nobody but the draft's owner may submit it; tested in the visit tests")
    as_user(sorted(allowed)[0])
    args = _resolve_args(Route(name, set(), args=args))
    data = DATA_BUILDERS[data]() if isinstance(data, str) else data
    before = _snapshot()
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _snapshot() != before


# --- API writes of screening, mediation and coordination --------------------------------------


def _today() -> str:
    return timezone.localdate().isoformat()


def _street_assignment() -> int:
    """The demo street's assignment of the city's task (in progress)."""
    from tongxin.coordination.models import TaskAssignment

    return TaskAssignment.objects.get(task_id=city_task(), unit__code="410104001").pk


def _submit_street_assignment() -> None:
    from tongxin.coordination.models import TaskAssignment
    from tongxin.coordination.services import assignment_submit

    assignment_submit(
        actor=User.objects.get(username="street_officer"),
        assignment=TaskAssignment.objects.get(pk=_street_assignment()),
        note="自查报告已报送。",
    )


def pending_ethnic_dispute() -> int:
    """The demo community's dispute whose ethnic factors await the review (set there)."""
    from tongxin.disputes.models import Dispute

    return Dispute.objects.get(unit__code=DEMO_COMMUNITY, ethnic_review="pending").pk


def _inspection_body() -> dict:
    from tongxin.coordination.models import ChecklistTemplate, Inspection

    template = ChecklistTemplate.objects.get(code="window_general")
    hotel = Inspection.objects.get(pk=hotel_inspection()).window_unit_id
    return {
        "window_unit": hotel,
        "template": template.code,
        "inspected_on": _today(),
        "inspectors": "李某、赵某",
        "findings": [{"item": i.pk, "result": "pass"} for i in template.items.filter(active=True)],
    }


@dataclass
class ApiWrite:
    name: str
    body: object  # a dict, or a function building it
    allowed: set[str]
    ok: int = 201
    obj: str = ""  # a key of _resolve_args for the detail routes
    # Hold the capability but name a unit outside their scope in the body: 400, as for a
    # unit that does not exist.
    invalid: set[str] = field(default_factory=set)
    prepare: object = None  # run before the attempt (e.g. a submission to review)


API_WRITES = [
    ApiWrite(
        "api:screening-reports-list",
        lambda: zero_report_data() | {"is_zero": True, "visits": 30},
        SCREENING_FILERS,
    ),
    ApiWrite(
        "api:disputes-list",
        lambda: {
            "unit": DEMO_COMMUNITY,
            "kind": "rental",
            "place": "新华社区 3 号院",
            "occurred_on": _today(),
            "found_on": _today(),
            "facts": "房东与租户因押金退还发生争执。",
            "parties": [{"name": "马明", "role": "applicant"}],
        },
        COMMUNITY_VIEWERS,
        invalid=GRID_WORKERS,
    ),
    ApiWrite(
        "api:disputes-sessions",
        lambda: {"held_on": _today(), "mediators": "社区调解员", "outcome": "双方同意再协商。"},
        COMMUNITY_VIEWERS,
        obj="dispute_c",
    ),
    ApiWrite(
        "api:disputes-conclude",
        {"result": "agreement", "note": "房东退还押金。"},
        COMMUNITY_VIEWERS,
        ok=200,
        obj="dispute_c",
    ),
    # Set by the community: the street, district and city are above both it and the case.
    ApiWrite(
        "api:disputes-review",
        {"confirm": True, "note": "属实"},
        {"city_admin", "district_officer", "street_officer"},
        ok=200,
        obj="dispute_e",
    ),
    ApiWrite(
        "api:tasks-list",
        lambda: task_data() | {"units": ["410104001"]},
        COORD_MANAGERS,
    ),
    ApiWrite(
        "api:tasks-progress",
        lambda: {"assignment": _street_assignment(), "note": "已汇总问题清单。", "percent": 80},
        {"city_admin", "street_officer"},  # the office and the assignee
        ok=200,
        obj="task",
    ),
    ApiWrite(
        "api:tasks-submit",
        lambda: {"assignment": _street_assignment(), "note": "自查报告已报送。"},
        {"street_officer"},
        ok=200,
        obj="task",
    ),
    ApiWrite(
        "api:tasks-review",
        lambda: {"assignment": _street_assignment(), "approve": True},
        {"city_admin"},
        ok=200,
        obj="task",
        prepare=_submit_street_assignment,
    ),
    ApiWrite("api:inspections-list", _inspection_body, INSPECTORS),
    ApiWrite("api:meetings-list", meeting_data, COORD_MANAGERS),
]


def _api_snapshot():
    from tongxin.coordination.models import (
        Inspection,
        JointMeeting,
        SupervisionTask,
        TaskAssignment,
        TaskProgress,
    )
    from tongxin.disputes.models import Dispute, MediationSession, ScreeningReport

    return (
        ScreeningReport.objects.count(),
        tuple(Dispute.objects.order_by("pk").values_list("status", "ethnic_review", "kind")),
        MediationSession.objects.count(),
        SupervisionTask.objects.count(),
        tuple(TaskAssignment.objects.order_by("pk").values_list("status", flat=True)),
        TaskProgress.objects.count(),
        Inspection.objects.count(),
        JointMeeting.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("write", API_WRITES, ids=lambda w: w.name)
@pytest.mark.parametrize("persona", ["anonymous", *PERSONAS])
def test_api_writes_as_persona(write, persona, client, as_user):
    """Each create or action endpoint of screening, mediation and coordination: the roles
    allowed succeed and change the database; everyone else gets 403 (404 outside their scope,
    401/403 anonymous) and changes nothing."""
    if write.prepare:
        write.prepare()
    as_user(persona)
    args = _resolve_args(Route(write.name, set(), args=(write.obj,))) if write.obj else ()
    body = write.body() if callable(write.body) else write.body
    before = _api_snapshot()
    response = client.post(reverse(write.name, args=args), body, content_type="application/json")
    if persona in write.allowed:
        assert response.status_code == write.ok, response.content.decode()[:500]
        assert _api_snapshot() != before
        return
    if persona == "anonymous":
        assert response.status_code in (401, 403)
    elif persona in write.invalid:
        assert response.status_code == 400, response.content.decode()[:500]
    else:
        assert response.status_code in (403, 404), response.content.decode()[:500]
    assert _api_snapshot() == before


# --- Menus: every sidebar entry and tab a persona is shown opens for it ------------------------


def _links(html: str, start: str, end: str) -> list[str]:
    import re

    block = html[html.index(start) : html.index(end, html.index(start))]
    return re.findall(r'class="nav-link[^"]*" href="([^"]+)"', block)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_menu_entry_and_tab_shown_opens(persona, client, as_user):
    user = as_user(persona)
    home = client.get(reverse("home")).content.decode()
    links = _links(home, 'class="nav-link', reverse("accounts:password_change"))
    assert links
    if user.can("dashboard.read"):
        page = client.get(reverse("coordination:statistics")).content.decode()
        tabs = _links(page, 'aria-label="督查督办"', "</ul>")
        assert reverse("coordination:statistics") in tabs
        links += tabs
    for url in links:
        assert client.get(url).status_code in (200, 302), (persona, url)
    shown = set(links)
    # A grid worker's scope holds no form (grids never file): no 统计报表 entry.
    assert (reverse("reports:index") in shown) == (persona in DASHBOARD_READERS - GRID_WORKERS)
    assert (reverse("coordination:task_list") in shown) == (persona in COORD_READERS)
