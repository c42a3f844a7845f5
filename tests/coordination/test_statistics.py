"""Coordination statistics with exact values: assignments by month, kind and assignee;
meetings by month, kind and convening office; the page limited to a unit of the user's
scope, like the disputes' statistics."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Role
from tongxin.coordination import metrics, services
from tongxin.coordination.models import JointMeeting, SupervisionTask, TaskAssignment

from ..conftest import login_as
from ..disputes.helpers import STREET, account, at, street_officer, unit

YEAR = timezone.localdate().year - 1  # a finished year: every date below is in the past


def _task(office, assignees, created: date, kind="supervision", title="出租房屋安全专项排查"):
    task = services.task_create(
        actor=office,
        title=title,
        description="逐户排查并报送台账。",
        due_date=timezone.localdate() + timedelta(days=10),
        assignees=assignees,
        kind=kind,
    )
    SupervisionTask.objects.filter(pk=task.pk).update(created_at=at(created))
    return task


def _finish(office, assignee_user, assignment, submitted: date, due: date):
    services.assignment_submit(actor=assignee_user, assignment=assignment, note="办结。")
    TaskAssignment.objects.filter(pk=assignment.pk).update(submitted_at=at(submitted), due_date=due)
    services.assignment_review(
        actor=office, assignment=TaskAssignment.objects.get(pk=assignment.pk), approve=True
    )


def _rows(groups):
    return [
        (g.label or g.key, g.total, g.done, g.resolved, g.counts["overdue"], g.mean_days)
        for g in groups
    ]


@pytest.mark.django_db
def test_task_statistics_by_month_kind_and_assignee():
    office = User.objects.get(username="district_officer")
    police = Department.objects.get(code="410104-police")
    liaison = account("dpolice", "410104", Role.DEPARTMENT_LIAISON, department=police)
    street = street_officer()
    first = _task(
        office,
        [services.Assignee(department=police), services.Assignee(unit=unit(STREET))],
        created=date(YEAR, 1, 5),
    )
    _finish(  # on time, 10 days
        office,
        liaison,
        first.assignments.get(department=police),
        date(YEAR, 1, 15),
        date(YEAR, 1, 20),
    )
    _finish(  # late, 25 days
        office,
        street,
        first.assignments.get(unit__code=STREET),
        date(YEAR, 1, 30),
        date(YEAR, 1, 20),
    )
    second = _task(
        office,
        [services.Assignee(unit=unit(STREET))],
        created=date(YEAR, 3, 3),
        kind="meeting_action",
        title="落实会议议定事项",
    )
    TaskAssignment.objects.filter(task=second).update(due_date=date(YEAR, 3, 31))  # overdue
    cancelled = _task(office, [services.Assignee(unit=unit(STREET))], created=date(YEAR, 3, 4))
    services.task_cancel(actor=office, task=cancelled, reason="重复交办")
    assignments = metrics.assignments_in_year(YEAR).filter(task__in=[first, second, cancelled])

    assert _rows(metrics.task_statistics(assignments, "month")) == [
        (f"{YEAR}-01", 2, 2, 1, 0, 17.5),
        (f"{YEAR}-03", 1, 0, 0, 1, None),
        ("", 3, 2, 1, 1, 17.5),
    ]
    assert _rows(metrics.task_statistics(assignments, "kind")) == [
        ("联席会议议定事项", 1, 0, 0, 1, None),
        ("督查督办事项", 2, 2, 1, 0, 17.5),
        ("", 3, 2, 1, 1, 17.5),
    ]
    by_unit = metrics.task_statistics(assignments, "unit")
    assert _rows(by_unit) == [
        ("管城回族区公安部门", 1, 1, 1, 0, 10),
        ("西大街街道", 2, 1, 0, 1, 25),
        ("", 3, 2, 1, 1, 17.5),
    ]
    assert by_unit[-1].resolution_rate == 1 / 3 and by_unit[-1].median_days == 17.5
    assert metrics.task_statistics(metrics.assignments_in_year(YEAR + 1).none(), "month") == []


def _meetings():
    district = User.objects.get(username="district_officer")
    city = User.objects.get(username="city_admin")
    street = street_officer()
    held = services.meeting_create(
        actor=district,
        title="管城回族区联席会议",
        kind="regular",
        date=date(YEAR, 1, 10),
        agenda="研究随迁子女入学。",
    )
    services.meeting_record(actor=district, meeting=held, minutes="议定两项。", present={})
    to_task = services.decision_add(actor=district, meeting=held, text="街道摸排适龄儿童。")
    services.decision_add(actor=district, meeting=held, text="下次会议听取汇报。")
    task = services.decision_to_task(
        actor=district,
        decision=to_task,
        assignees=[services.Assignee(unit=unit(STREET))],
        due_date=timezone.localdate() + timedelta(days=30),
    )
    SupervisionTask.objects.filter(pk=task.pk).update(created_at=at(date(YEAR, 1, 12)))
    _finish(district, street, task.assignments.get(), date(YEAR, 2, 1), date(YEAR, 2, 10))
    planned = services.meeting_create(
        actor=district,
        title="专题会议",
        kind="special",
        date=date(YEAR, 1, 20),
        agenda="清真食品监管。",
    )
    services.decision_add(actor=district, meeting=planned, text="未召开的会议不计议定事项。")
    city_meeting = services.meeting_create(
        actor=city,
        title="郑州市联席会议",
        kind="regular",
        date=date(YEAR, 3, 5),
        agenda="年度工作部署。",
    )
    services.meeting_record(actor=city, meeting=city_meeting, minutes="部署。", present={})
    city_task = services.decision_to_task(
        actor=city,
        decision=services.decision_add(actor=city, meeting=city_meeting, text="各区报送台账。"),
        assignees=[services.Assignee(department=Department.objects.get(code="410100-police"))],
        due_date=timezone.localdate() + timedelta(days=30),
    )
    SupervisionTask.objects.filter(pk=city_task.pk).update(created_at=at(date(YEAR, 3, 6)))
    return JointMeeting.objects.filter(pk__in=[held.pk, planned.pk, city_meeting.pk])


def _meeting_rows(groups):
    return [
        (
            g.label or g.key,
            g.total,
            g.done,
            g.counts["planned"],
            g.counts["decisions"],
            g.counts["to_tasks"],
            g.counts["tasks_done"],
        )
        for g in groups
    ]


@pytest.mark.django_db
def test_meeting_statistics_by_month_kind_and_office():
    meetings = _meetings()
    assert _meeting_rows(metrics.meeting_statistics(meetings, "month")) == [
        (f"{YEAR}-01", 2, 1, 1, 2, 1, 1),
        (f"{YEAR}-03", 1, 1, 0, 1, 1, 0),
        ("", 3, 2, 1, 3, 2, 1),
    ]
    assert _meeting_rows(metrics.meeting_statistics(meetings, "kind")) == [
        ("联席会议", 2, 2, 0, 3, 2, 1),
        ("专题会议", 1, 0, 1, 0, 0, 0),
        ("", 3, 2, 1, 3, 2, 1),
    ]
    assert _meeting_rows(metrics.meeting_statistics(meetings, "unit")) == [
        ("郑州市", 1, 1, 0, 1, 1, 0),
        ("管城回族区", 2, 1, 1, 2, 1, 1),
        ("", 3, 2, 1, 3, 2, 1),
    ]


@pytest.mark.django_db
def test_the_statistics_page_drills_into_a_unit_of_the_users_scope(client):
    _meetings()
    url = reverse("coordination:statistics")
    login_as(client, "district_officer")
    page = client.get(url, {"year": YEAR, "by": "unit"}).content.decode()
    assert f"管城回族区{YEAR} 年度督查督办、监督检查和联席会议统计" in page
    assert '<input type="hidden" name="unit" value="410104">' in page
    assert (
        '<tr><th scope="row">管城回族区</th><td>2</td><td>1</td><td>1</td><td>2</td><td>1</td>'
        "<td>1</td></tr>" in page
    )
    assert "郑州市</th>" not in page  # the city's meeting is above the district

    # One street of the district: its own assignment; no office meets there.
    page = client.get(url, {"unit": STREET, "year": YEAR, "by": "unit"}).content.decode()
    assert f"西大街街道{YEAR} 年度" in page
    assert '<tr><th scope="row">西大街街道</th><td>1</td><td>1</td><td>1</td>' in page
    meeting_table = page[page.index('id="meeting-stats"') :]
    assert "暂无数据。" in meeting_table

    # Outside the user's scope: as if it did not exist.
    assert client.get(url, {"unit": "410105", "year": YEAR}).status_code == 404
    login_as(client, "street_officer")
    assert client.get(url, {"unit": "410104", "year": YEAR}).status_code == 404
    page = client.get(url, {"year": YEAR}).content.decode()
    assert f"北下街街道{YEAR} 年度" in page


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["²", "0", "1", "9999", "10000", "-1", "9" * 5000])
def test_a_year_no_calendar_holds_is_never_a_crash(client, year):
    """The statistics show this year instead; the lists say the filter is wrong and list
    nothing, and the export is refused (a wrong year listed every year)."""
    _meetings()
    login_as(client, "district_officer")
    statistics = client.get(reverse("coordination:statistics"), {"year": year})
    assert statistics.status_code == 200
    this_year = timezone.localdate().year
    assert f"“年度”的值无效：{year[:40]}，显示的是 {this_year}。" in statistics.content.decode()
    for name in ("meeting_list", "assessment_list"):
        page = client.get(reverse(f"coordination:{name}"), {"year": year})
        assert page.status_code == 200 and "筛选条件“年度”的值无效" in page.content.decode()
    export = client.get(reverse("coordination:meeting_export"), {"year": year})
    assert export.status_code == 400
