"""The notices, assessments, window units and partner regions as Excel and CSV: the page's
filters and the user's scope, Chinese labels, no free text the page does not show, an audit
event per file; the link only for those who may export, 403 for the others."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Role
from tongxin.audit.models import AuditEvent
from tongxin.coordination import services
from tongxin.coordination.models import Assessment, Grade, PartnerRegion, WindowUnit
from tongxin.exchange.lists import local_time
from tongxin.geo.models import Unit

from ..conftest import login_as
from ..disputes.helpers import STREET, account, unit
from ..exchange.test_list_exports import both_formats, exported

DEMO_STREET = "410104001"  # 北下街街道, the street officer's


def exports_of(object_type: str):
    return AuditEvent.objects.filter(action="export", object_type=object_type)


def offers_export(client, page: str, export: str) -> bool:
    html = client.get(reverse(page)).content.decode()
    return "export-links" in html and reverse(export) in html


def refused(client, export: str) -> bool:
    """403, and no file means no audit event either."""
    before = AuditEvent.objects.filter(action="export").count()
    status = client.get(reverse(export), {"format": "csv"}).status_code
    return status == 403 and AuditEvent.objects.filter(action="export").count() == before


@pytest.mark.django_db
def test_notice_export_lists_the_notices_the_user_may_see(client):
    office = User.objects.get(username="district_officer")
    today = timezone.localdate()
    issued = services.notice_generate(
        actor=office,
        kind="criticism",
        title="关于督办事项逾期情况的通报",
        period_from=date(today.year, 1, 1),
        period_to=today,
    )
    services.notice_update(
        actor=office, notice=issued, title=issued.title, number="管民宗督〔2026〕3号", body="正文"
    )
    issued = services.notice_issue(actor=office, notice=issued)
    draft = services.notice_generate(
        actor=office,
        kind="commendation",
        title="关于表扬按时办结单位的通报（草稿）",
        period_from=today - timedelta(days=30),
        period_to=today,
    )
    url = reverse("coordination:notice_export")
    login_as(client, "district_officer")
    rows = both_formats(client, url, {})
    assert rows[1] == [
        "文号",
        "类别",
        "标题",
        "印发单位",
        "通报期间自",
        "通报期间至",
        "状态",
        "印发时间",
    ]
    by_title = {r[2]: r for r in rows[2:]}
    assert by_title[issued.title] == [
        "管民宗督〔2026〕3号",
        "通报批评",
        issued.title,
        "管城回族区",
        f"{today.year}-01-01",
        today.isoformat(),
        "已印发",
        local_time(issued.issued_at),
    ]
    assert by_title[draft.title][:2] == ["", "通报表扬"] and by_title[draft.title][6:] == [
        "草稿",
        "",
    ]
    assert not any("正文" in cell for row in rows for cell in row)  # the body stays out
    # The street sees what circulates to it (the district's and the city's issued notices),
    # not the district's draft.
    login_as(client, "street_officer")
    titles = {r[2] for r in exported(client.get(url, {"format": "csv"}))[2:]}
    assert issued.title in titles and draft.title not in titles
    assert "关于上半年督查督办事项办理情况的通报" in titles  # the city's demo notice
    events = exports_of("coordination.circulationnotice")
    assert events.count() == 3 and events.filter(actor_username="street_officer").count() == 1
    assert offers_export(client, "coordination:notice_list", "coordination:notice_export")
    # The leader reads notices but exports no list; the community has no coordination right.
    login_as(client, "leader")
    assert client.get(reverse("coordination:notice_list")).status_code == 200
    assert not offers_export(client, "coordination:notice_list", "coordination:notice_export")
    assert refused(client, "coordination:notice_export")
    login_as(client, "community_officer")
    assert refused(client, "coordination:notice_export")


@pytest.mark.django_db
def test_assessment_export_has_the_page_year_and_scope_and_no_veto_reason(client):
    office = User.objects.get(username="district_officer")
    xidajie = unit(STREET)
    vetoed = services.assessment_open(actor=office, year=2025, unit=xidajie)
    services.assessment_score(
        actor=office, assessment=vetoed, scores={}, veto_reason="上级通报的重大失职事件"
    )
    vetoed = services.assessment_finalize(actor=office, assessment=vetoed)
    earlier = services.assessment_open(actor=office, year=2024, unit=xidajie)
    url = reverse("coordination:assessment_export")
    login_as(client, "district_officer")
    rows = both_formats(client, url, {"year": "2025"})
    assert rows[1] == ["年度", "被考核单位", "总分", "一票否决", "等次", "状态", "定档时间"]
    assert rows[2:] == [
        [
            "2025",
            xidajie.name,
            str(float(vetoed.total)),
            "是",
            "不合格",
            "已定档",
            local_time(vetoed.finalized_at),
        ]
    ]
    assert not any("失职" in cell for row in rows for cell in row)  # the reason stays out
    everything = exported(client.get(url, {"format": "csv"}))
    assert [(r[0], r[1]) for r in everything[2:]] == [
        (str(timezone.localdate().year), unit(DEMO_STREET).name),  # the demo's, newest first
        ("2025", xidajie.name),
        ("2024", xidajie.name),
    ]
    assert everything[4][3:] == ["否", str(Grade(earlier.grade).label), "评分中", ""]
    # A malformed year is refused, on the page and here: it listed every year.
    wrong_year = client.get(url, {"year": "²", "format": "csv"})
    assert wrong_year.status_code == 400
    assert "筛选条件“年度”的值无效：²" in wrong_year.content.decode()
    page = client.get(reverse("coordination:assessment_list"), {"year": "20255"})
    assert "筛选条件“年度”的值无效：20255" in page.content.decode()
    assert not page.context["assessments"]
    # The demo street sees its own assessment only.
    login_as(client, "street_officer")
    rows = exported(client.get(url, {"format": "csv"}))
    assert [r[1] for r in rows[2:]] == [unit(DEMO_STREET).name]
    assert offers_export(client, "coordination:assessment_list", "coordination:assessment_export")
    html = client.get(reverse("coordination:assessment_list"), {"year": "2025"}).content.decode()
    assert reverse("coordination:assessment_export") + "?year=2025&amp;format=xlsx" in html
    events = exports_of("coordination.assessment")
    # The refused export is not among them.
    assert events.count() == 4 and events.filter(detail__contains="year=2025").count() == 2
    # Leaders and grid workers see results on the page, without the export.
    for name in ("leader", "grid_worker_a"):
        login_as(client, name)
        assert client.get(reverse("coordination:assessment_list")).status_code == 200
        assert not offers_export(
            client, "coordination:assessment_list", "coordination:assessment_export"
        )
        assert refused(client, "coordination:assessment_export")
    login_as(client, "police_liaison")  # exports lists, sees no assessment
    assert refused(client, "coordination:assessment_export")
    assert Assessment.objects.filter(year=2024, unit=xidajie).count() == 1


@pytest.mark.django_db
def test_window_unit_export_is_the_users_window_units(client):
    office = User.objects.get(username="district_officer")
    education = Department.objects.get(code="410104-education")
    liaison = account("deducation", "410104", Role.DEPARTMENT_LIAISON, department=education)
    school = services.window_unit_create(
        actor=office,
        name="西大街小学",
        kind="school",
        unit=unit(STREET),
        address="管城回族区西大街 9 号",
        department=education,
    )
    elsewhere = services.window_unit_create(
        actor=account("jinshui", "410105", Role.BUREAU_OFFICER),
        name="金水区人民医院",
        kind="hospital",
        unit=Unit.objects.get(code="410105"),
    )
    url = reverse("coordination:window_export")
    login_as(client, "district_officer")
    rows = both_formats(client, url, {})
    assert rows[1] == ["名称", "类别", "地址", "所在辖区", "主管部门"]
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name[school.name] == [
        "西大街小学",
        "学校",
        "管城回族区西大街 9 号",
        unit(STREET).name,
        education.name,
    ]
    assert by_name["商城路宾馆"][1] == "宾馆酒店"  # the demo's, in the demo street
    assert elsewhere.name not in by_name  # another district
    # A department sees the window units it supervises.
    client.force_login(liaison)
    assert [r[0] for r in exported(client.get(url, {"format": "csv"}))[2:]] == [school.name]
    assert offers_export(client, "coordination:window_list", "coordination:window_export")
    events = exports_of("coordination.windowunit")
    assert events.count() == 3 and events.filter(actor_username=liaison.username).count() == 1
    login_as(client, "leader")
    assert client.get(reverse("coordination:window_list")).status_code == 200
    assert not offers_export(client, "coordination:window_list", "coordination:window_export")
    assert refused(client, "coordination:window_export")
    login_as(client, "community_officer")
    assert refused(client, "coordination:window_export")
    assert WindowUnit.objects.filter(name=elsewhere.name).count() == 1


@pytest.mark.django_db
def test_region_export_lists_regions_in_scope_with_stations_and_no_contacts(client):
    admin = User.objects.get(username="city_admin")
    office = User.objects.get(username="district_officer")
    since = date(2024, 5, 1)
    lhasa = services.region_create(
        actor=office, name="西藏自治区拉萨市", code="540100", unit=unit("410104"), since=since
    )
    services.station_add(
        actor=office, region=lhasa, name="拉萨市驻郑州市联络站", phone="0371-66001234"
    )
    services.contact_add(actor=office, region=lhasa, name="次仁·多吉", phone="13900002222")
    url = reverse("coordination:region_export")
    login_as(client, "district_officer")
    rows = both_formats(client, url, {})
    assert rows[1] == [
        "流出地",
        "区划代码",
        "协作单位",
        "建立协作日期",
        "状态",
        "工作站数",
        "工作站",
    ]
    assert rows[2:] == [  # the city's 和田地区 is outside the district's scope
        [
            "西藏自治区拉萨市",
            "540100",
            "管城回族区",
            "2024-05-01",
            "协作中",
            "1",
            "拉萨市驻郑州市联络站",
        ]
    ]
    login_as(client, admin.username)
    rows = exported(client.get(url, {"format": "csv"}))
    hotan = PartnerRegion.objects.get(name="新疆维吾尔自治区和田地区")
    assert [r[0] for r in rows[2:]] == sorted([lhasa.name, hotan.name])
    [row] = [r for r in rows[2:] if r[0] == hotan.name]
    assert row[1:3] == ["653200", "郑州市"] and row[5:] == ["1", "和田地区驻郑州市工作站"]
    cells = [cell for r in rows for cell in r]
    for private in ("次仁", "艾尔肯", "13900002222", "0371-66001234", "信息互通"):
        assert not any(private in cell for cell in cells)  # contacts, phones, agreement
    assert offers_export(client, "coordination:region_list", "coordination:region_export")
    events = exports_of("coordination.partnerregion")
    assert events.count() == 3 and events.filter(actor_username="city_admin").count() == 1
    # The origin region's liaison reads its region on the page but exports no list.
    login_as(client, "origin_liaison")
    assert client.get(reverse("coordination:region_list")).status_code == 200
    assert not offers_export(client, "coordination:region_list", "coordination:region_export")
    assert refused(client, "coordination:region_export")
    login_as(client, "street_officer")  # no right to the cooperation pages
    assert refused(client, "coordination:region_export")
