"""Lists other than persons as Excel and CSV: the page's queue or filters and the user's
scope, every row, masked phones, formulas neutralised, a watermark and an audit event."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.coordination import services as coordination
from tongxin.services import services, views
from tongxin.services.models import Category

from ..conftest import login_as
from ..coordination.test_tasks import district_police
from ..disputes.helpers import COMMUNITIES, STREET, community_officer, dispute, unit


def exported(response) -> list[list[str]]:
    """The file's rows as text, whichever the format (Excel numbers compared as text)."""
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(body), read_only=True)
    return [
        ["" if v is None else str(v) for v in row]
        for row in book.active.iter_rows(values_only=True)
    ]


def both_formats(client, url, params) -> list[list[str]]:
    """The rows of the CSV, checked equal to the Excel file's (the mark's `#` aside)."""
    from_csv = exported(client.get(url, {**params, "format": "csv"}))
    from_xlsx = exported(client.get(url, {**params, "format": "xlsx"}))
    assert from_csv[0][0] == "# " + from_xlsx[0][0]
    assert from_csv[1:] == [row + [""] * (len(from_csv[1]) - len(row)) for row in from_xlsx[1:]]
    return from_csv


@pytest.mark.django_db
def test_request_list_export_is_the_queue_in_scope_masked_and_audited(client):
    officer = User.objects.get(username="community_officer")
    category = Category.objects.get(code="residence")
    plain = services.request_receive(
        actor=officer,
        category=category,
        channel="window",
        description="办理居住证",
        requester_name="马明",
        requester_phone="13912345678",
    )
    urgent = services.request_receive(
        actor=officer,
        category=category,
        channel="hotline",
        description="咨询子女入学",
        requester_name='=HYPERLINK("http://x","点我")',
        requester_phone="13800001111",
        green_channel="elderly",
    )
    elsewhere = services.request_receive(
        actor=community_officer(1),  # another street's community: outside the officer's scope
        category=category,
        channel="window",
        description="办理居住证",
        requester_name="古丽",
    )
    login_as(client, "community_officer")
    url = reverse("services:request_export")
    rows = both_formats(client, url, {"queue": "all", "purpose": "月度通报"})
    assert "community_officer" in rows[0][0] and "月度通报" in rows[0][0]
    assert rows[1][:5] == ["编号", "类别", "渠道", "诉求人", "联系电话"]
    numbers = [r[0] for r in rows[2:]]
    assert plain.number in numbers and urgent.number in numbers
    assert elsewhere.number not in numbers
    assert numbers.index(urgent.number) < numbers.index(plain.number)  # green channel first
    by_number = {r[0]: r for r in rows[2:]}
    assert by_number[plain.number][4] == "139****5678"
    assert by_number[urgent.number][3].startswith("'=HYPERLINK")  # never a live formula
    # Whether green channel, never why (残疾人, 孕产妇 are health data).
    assert by_number[urgent.number][7] == "是" and by_number[plain.number][8] == "已登记"
    assert not any("老年人" in cell for row in rows for cell in row)
    assert not any("13912345678" in cell for row in rows for cell in row)
    events = AuditEvent.objects.filter(action="export", object_type="services.servicerequest")
    assert events.count() == 2 and events.first().purpose == "月度通报"

    # Another queue exports that queue only.
    late = services.request_receive(
        actor=officer,
        category=Category.objects.create(code="urgent", name="紧急救助", due_hours=24),
        channel="window",
        description="临时救助",
        requester_name="阿依古丽",
        received_at=timezone.now() - timedelta(days=3),
    )
    overdue = exported(client.get(url, {"queue": "overdue", "format": "csv"}))
    assert late.number in [r[0] for r in overdue[2:]]
    assert plain.number not in [r[0] for r in overdue[2:]]
    assert [r[13] for r in overdue[2:] if r[0] == late.number] == ["是"]
    named = client.get(url, {"queue": "all", "format": "csv"})["Content-Disposition"]
    assert named.startswith("attachment; filename*=utf-8''") and unquote(named).endswith(
        f"诉求清单-{timezone.localdate():%Y%m%d}.csv"
    )
    assert client.get(url, {"format": "pdf"}).status_code == 400
    login_as(client, "grid_worker_a")  # may read requests, not export lists
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_request_page_shows_the_nearest_deadlines_and_offers_all_in_the_export(client, monkeypatch):
    officer = User.objects.get(username="community_officer")
    category = Category.objects.create(code="interpreting", name="翻译服务", due_hours=48)
    now = timezone.now()
    made = [
        services.request_receive(
            actor=officer,
            category=category,
            channel="window",
            description="办理居住证",
            requester_name=f"申请人{i}",
            received_at=now - timedelta(days=days),
        )
        for i, days in enumerate([1, 3, 2])
    ]
    monkeypatch.setattr(views, "LIST_LIMIT", 2)
    login_as(client, "community_officer")
    queue = {"queue": "all", "category": "interpreting"}
    page = client.get(reverse("services:request_list"), queue).content.decode()
    assert made[1].number in page and made[2].number in page  # received earliest: due first
    assert made[0].number not in page and 'id="request-more"' in page
    assert "format=xlsx" in page and "category=interpreting" in page  # the link keeps the queue
    rows = exported(client.get(reverse("services:request_export"), queue))
    assert [r[0] for r in rows[2:]] == [made[1].number, made[2].number, made[0].number]


@pytest.mark.django_db
def test_finished_requests_follow_the_open_ones_newest_first(client):
    officer = User.objects.get(username="community_officer")
    category = Category.objects.create(code="interpreting", name="翻译服务", due_hours=48)
    now = timezone.now()

    def receive(days_ago: int):
        return services.request_receive(
            actor=officer,
            category=category,
            channel="window",
            description="翻译",
            requester_name="马明",
            received_at=now - timedelta(days=days_ago),
        )

    ancient, older, recent, still_open = receive(700), receive(300), receive(10), receive(1)
    for item in (ancient, older, recent):
        services.request_act(actor=officer, request=item, action="reject", note="不属于受理范围")
    login_as(client, "community_officer")
    rows = exported(
        client.get(reverse("services:request_export"), {"queue": "all", "category": "interpreting"})
    )
    assert [r[0] for r in rows[2:]] == [
        still_open.number,
        recent.number,
        older.number,
        ancient.number,
    ]


@pytest.mark.django_db
def test_a_department_exports_only_what_was_referred_to_it(client):
    officer = User.objects.get(username="street_officer")
    liaison = User.objects.get(username="police_liaison")
    category = Category.objects.get(code="residence")
    referred, kept = (
        services.request_receive(
            actor=officer,
            category=category,
            channel="window",
            description="办理居住证",
            requester_name=name,
        )
        for name in ("马明", "古丽")
    )
    services.request_act(actor=officer, request=referred, action="accept")
    services.request_act(
        actor=officer, request=referred, action="refer", department=liaison.department
    )
    login_as(client, "police_liaison")
    rows = exported(client.get(reverse("services:request_export"), {"queue": "all"}))
    numbers = {r[0] for r in rows[2:]}
    assert referred.number in numbers and kept.number not in numbers
    assert all(r[9] == liaison.department.name for r in rows[2:])


@pytest.mark.django_db
def test_the_request_export_reads_unit_names_once_not_per_row(
    client, django_assert_max_num_queries
):
    from tongxin.registry.models import Person

    officer = User.objects.get(username="city_admin")
    category = Category.objects.create(code="interpreting", name="翻译服务", due_hours=48)
    one_per_unit = {p.unit_path: p for p in Person.objects.filter(merged_into__isnull=True)}
    persons = list(one_per_unit.values()) * 3
    for person in persons:
        services.request_receive(
            actor=officer, category=category, channel="window", description="翻译", person=person
        )
    login_as(client, "city_admin")
    url = reverse("services:request_export")
    # Login, session and the audit event's chain take 15 queries; then one for the filter's
    # category, one for the unit names and one for the rows, however many units.
    with django_assert_max_num_queries(18):
        rows = exported(client.get(url, {"queue": "all", "category": "interpreting"}))
    from tongxin.geo.models import Unit

    names = dict(Unit.objects.values_list("path", "name"))
    assert sorted(r[10] for r in rows[2:]) == sorted(names[p.unit_path] for p in persons)
    assert len(one_per_unit) >= 4  # the demo's grids: a query per unit would break the bound


@pytest.mark.django_db
def test_dispute_list_export_keeps_the_filters_and_the_scope(client):
    officer = community_officer(1)
    rental = dispute(officer, COMMUNITIES[0], place="=1+1 号院")
    wages = dispute(officer, COMMUNITIES[0], kind="wages", found_on=date(2026, 4, 2))
    neighbour = dispute(community_officer(2), COMMUNITIES[1])
    client.force_login(officer)
    url = reverse("disputes:dispute_export")
    rows = both_formats(client, url, {"kind": "rental"})
    numbers = [r[0] for r in rows[2:]]
    assert numbers == [rental.number]  # the filter, and nothing of the next community
    assert rows[1][:4] == ["编号", "纠纷类别", "来源", "所属单位"]
    [row] = rows[2:]
    assert row[1] == "房屋租赁纠纷" and row[3] == unit(COMMUNITIES[0]).name
    assert row[5] == "'=1+1 号院" and row[7] == "2026-03-10"
    everything = exported(client.get(url, {"format": "csv"}))
    assert {r[0] for r in everything[2:]} == {rental.number, wages.number}
    assert neighbour.number not in {r[0] for r in everything[2:]}
    assert not any("马某" in cell for row in everything for cell in row)  # no party named
    events = AuditEvent.objects.filter(action="export", object_type="disputes.dispute")
    assert events.count() == 3  # each file, with the filters it was made with
    assert events.filter(detail__contains="kind=rental").count() == 2


@pytest.mark.django_db
def test_task_export_has_a_row_per_assignment_the_user_may_see(client):
    office = User.objects.get(username="district_officer")
    police, liaison = district_police()
    task = coordination.task_create(
        actor=office,
        title="出租房屋安全专项排查",
        description="逐户排查并报送台账。",
        due_date=timezone.localdate() + timedelta(days=10),
        assignees=[
            coordination.Assignee(department=police),
            coordination.Assignee(unit=unit(STREET)),
        ],
    )
    url = reverse("coordination:task_export")
    login_as(client, "district_officer")
    rows = both_formats(client, url, {"q": task.number})
    assert [r[0] for r in rows[2:]] == [task.number, task.number]
    assert {r[7] for r in rows[2:]} == {police.name, unit(STREET).name}
    assert all(r[9] == "已交办" and r[10] == "否" for r in rows[2:])
    client.force_login(liaison)  # the police see their own assignment, not the street's
    rows = exported(client.get(url, {"q": task.number, "format": "csv"}))
    assert [r[7] for r in rows[2:]] == [police.name]
    events = AuditEvent.objects.filter(action="export", object_type="coordination.supervisiontask")
    assert events.count() == 3 and events.filter(actor_username=liaison.username).count() == 1


@pytest.mark.django_db
def test_incident_export_is_scoped_and_keeps_no_free_text(client):
    from tongxin.disputes import services as disputes

    officer = community_officer(1)
    incident = disputes.incident_report(
        actor=officer,
        unit=unit(COMMUNITIES[0]),
        occurred_at=timezone.now() - timedelta(hours=3),
        place="农贸市场",
        summary="两摊主因摊位争执，马某受轻伤。",
        severity="general",
        people_involved=6,
    )
    client.force_login(officer)
    rows = both_formats(client, reverse("disputes:incident_export"), {"status": "open"})
    [row] = [r for r in rows[2:] if r[0] == incident.number]
    assert row[1:4] == ["一般", unit(COMMUNITIES[0]).name, "农贸市场"] and row[5] == "6"
    assert not any("马某" in cell for row in rows for cell in row)
    client.force_login(community_officer(2))
    rows = exported(client.get(reverse("disputes:incident_export"), {"format": "csv"}))
    assert incident.number not in {r[0] for r in rows[2:]}


@pytest.mark.django_db
def test_the_auditor_exports_the_filtered_log_with_its_hashes(client):
    from tongxin.audit.services import audit_record

    for name in ("street_officer", "leader"):
        audit_record(action="login", actor=User.objects.get(username=name), purpose="测试")
    login_as(client, "auditor")
    url = reverse("audit:export")
    before = AuditEvent.objects.filter(action="export").count()
    rows = exported(client.get(url, {"action": "login", "format": "csv"}))
    assert rows[1][0] == "序号" and rows[1][-1] == "本事件哈希"
    assert "含完整个人信息" in rows[0][0]  # details may hold what someone searched for
    logins = AuditEvent.objects.filter(action="login").order_by("-seq")
    assert [int(r[0]) for r in rows[2:]] == [e.seq for e in logins]
    assert [r[-1] for r in rows[2:]] == [e.hash for e in logins]
    assert len(rows) >= 4 and all(r[4] == "登录" for r in rows[2:])
    assert rows[2][2] == "leader" and rows[3][2] == "street_officer" and rows[2][7] == "测试"
    # The export is itself an event of the chain, and a bad filter is refused.
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert client.get(url, {"date_from": "2026-13-45"}).status_code == 400
    login_as(client, "city_admin")  # reads personal data, not the log
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_unmasked_exports_need_the_right_and_a_purpose(client):
    officer = User.objects.get(username="street_officer")
    item = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="residence"),
        channel="window",
        description="办理居住证",
        requester_name="马明",
        requester_phone="13912345678",
    )
    url = reverse("services:request_export")
    login_as(client, "community_officer")  # exports lists, may not see full personal data
    page = client.get(reverse("services:request_list"), {"queue": "all"}).content.decode()
    assert "export-full" not in page
    assert client.get(url, {"unmasked": "1", "purpose": "回访"}).status_code == 400
    login_as(client, "street_officer")
    page = client.get(reverse("services:request_list"), {"queue": "all"}).content.decode()
    assert "export-full" in page and 'name="queue" value="all"' in page
    assert client.get(url, {"queue": "all", "unmasked": "1"}).status_code == 400  # no purpose
    rows = exported(
        client.get(url, {"queue": "all", "unmasked": "1", "purpose": "电话回访", "format": "csv"})
    )
    assert [r[4] for r in rows[2:] if r[0] == item.number] == ["13912345678"]
    assert "含完整个人信息" in rows[0][0]
    event = AuditEvent.objects.filter(action="export", purpose="电话回访").get()
    assert '"unmasked": true' in event.detail


@pytest.mark.django_db
def test_screening_reports_and_meetings_export_with_their_filters(client):
    from tongxin.disputes import services as disputes

    officer = community_officer(1)
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 5))
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 9))
    march = disputes.report_file(
        actor=officer, unit=unit(COMMUNITIES[0]), period=date(2026, 3, 1), is_zero=False
    )
    disputes.report_file(
        actor=officer, unit=unit(COMMUNITIES[0]), period=date(2026, 2, 1), is_zero=True
    )
    client.force_login(officer)
    url = reverse("disputes:screening_export")
    rows = both_formats(client, url, {"month": "2026-03"})
    assert [r[:5] for r in rows[2:]] == [[march.unit.name, "2026-03", "否", "0", "2"]]
    months = [r[1] for r in exported(client.get(url, {"format": "csv"}))[2:]]
    assert months == ["2026-03", "2026-02"]  # newest month first, as on the page

    office = User.objects.get(username="district_officer")
    meeting = coordination.meeting_create(
        actor=office,
        title="管城回族区联席会议",
        kind="regular",
        date=timezone.localdate() - timedelta(days=3),
        agenda="研究随迁子女入学。",
        place="区民宗局",
    )
    coordination.decision_add(actor=office, meeting=meeting, text="各街道摸清随迁子女入学需求")
    special = coordination.meeting_create(
        actor=office,
        title="专题会议",
        kind="special",
        date=timezone.localdate() - timedelta(days=1),
        agenda="清真食品监管。",
    )
    login_as(client, "district_officer")
    url = reverse("coordination:meeting_export")
    rows = both_formats(client, url, {"kind": "regular"})
    [row] = [r for r in rows[2:] if r[0] == meeting.title and r[3] == meeting.date.isoformat()]
    assert row[1:3] == ["联席会议", meeting.unit.name] and row[7] == "1"
    assert special.title not in {r[0] for r in rows[2:]}
    everything = exported(client.get(url, {"format": "csv"}))
    titles = [r[0] for r in everything[2:]]
    assert titles.index(special.title) < titles.index(meeting.title)  # newest first


@pytest.mark.django_db
def test_every_kind_of_text_cell_is_neutralised_and_a_list_of_rows_ends():
    from django.test import RequestFactory
    from django.utils.functional import lazy
    from django.utils.safestring import SafeString

    from tongxin.exchange.lists import ListExport, export_response, neutralised

    lazy_text = lazy(lambda: "=1+2", str)()
    assert list(neutralised([["=1", SafeString("@x"), lazy_text, 3, None]])) == [
        ["'=1", "'@x", "'=1+2", 3, None]
    ]
    plain_and_odd = ["", "a=1", "+86 139", "-5", "\tx", "\rx", "'=quoted", "清真"]
    assert list(neutralised([plain_and_odd])) == [
        ["", "a=1", "'+86 139", "'-5", "'\tx", "'\rx", "'=quoted", "清真"]
    ]
    # Rows handed over as a list (not a generator) stream once, in chunks, and end.
    request = RequestFactory().get("/", {"format": "csv"})
    request.user = User.objects.get(username="community_officer")
    spec = ListExport(title="清单", slug="x", object_type="x", headers=["甲"])
    rows = [[f"行{i}"] for i in range(1201)]
    body = b"".join(export_response(request, spec, rows).streaming_content).decode("utf-8-sig")
    assert body.count("\r\n") == 1203 and body.rstrip().endswith("行1200")
