"""Supervision tasks: assignment, progress, submission and review; overdue alerts; who sees
what; circulation notices; the annual assessment with its veto."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Role
from tongxin.coordination import selectors, services
from tongxin.coordination.models import CirculationNotice, SupervisionTask, TaskAssignment
from tongxin.disputes import services as dispute_services
from tongxin.services.models import Notification

from ..conftest import login_as
from ..disputes.helpers import COMMUNITIES, STREET, account, at, street_officer, unit

DISTRICT = "410104"


def district_police() -> tuple[Department, User]:
    department = Department.objects.get(code=f"{DISTRICT}-police")
    return department, account("dpolice", DISTRICT, Role.DEPARTMENT_LIAISON, department=department)


def new_task(actor, assignees, due=None, title="出租房屋安全专项排查"):
    return services.task_create(
        actor=actor,
        title=title,
        description="逐户排查少数民族流动人口租住房屋并报送台账。",
        due_date=due or timezone.localdate() + timedelta(days=10),
        assignees=assignees,
    )


def texts(user, kind=None):
    notes = Notification.objects.filter(user=user)
    if kind:
        notes = notes.filter(kind=kind)
    return list(notes.order_by("pk").values_list("text", flat=True))


@pytest.mark.django_db
def test_assign_report_submit_return_and_approve():
    office = User.objects.get(username="district_officer")
    police, liaison = district_police()
    street = street_officer()
    due = timezone.localdate() + timedelta(days=10)
    task = new_task(
        office,
        [services.Assignee(department=police), services.Assignee(unit=unit(STREET))],
        due=due,
    )
    assert task.number.startswith("DB") and task.unit.code == DISTRICT
    expected = f"新的督办事项 {task.number}：出租房屋安全专项排查，请于 {due:%Y-%m-%d} 前办结。"
    assert texts(liaison) == [expected] and texts(street) == [expected]
    by_police = task.assignments.get(department=police)
    by_street = task.assignments.get(unit__code=STREET)

    with pytest.raises(services.CoordinationError, match="只有承办单位或交办单位可以报送进展"):
        services.progress_report(actor=liaison, assignment=by_street, note="代报")
    services.progress_report(actor=street, assignment=by_street, note="已排查 3 个社区", percent=50)
    by_street.refresh_from_db()
    assert by_street.status == "in_progress"

    with pytest.raises(services.CoordinationError, match="只有承办单位可以申请办结"):
        services.assignment_submit(actor=street, assignment=by_police, note="完成")
    services.assignment_submit(actor=liaison, assignment=by_police, note="排查 120 户，无隐患。")
    assert texts(office)[-1] == f"管城回族区公安部门 申请办结督办事项 {task.number}，请审核。"
    with pytest.raises(services.CoordinationError, match="退回时请写明理由"):
        services.assignment_review(actor=office, assignment=by_police, approve=False)
    services.assignment_review(actor=office, assignment=by_police, approve=False, note="请附台账。")
    by_police.refresh_from_db()
    assert (by_police.status, by_police.submitted_at) == ("in_progress", None)
    assert texts(liaison)[-1] == f"督办事项 {task.number} 被退回重办：请附台账。"
    services.assignment_submit(actor=liaison, assignment=by_police, note="已附台账。")
    with pytest.raises(services.CoordinationError, match="只有交办单位可以审核办结"):
        services.assignment_review(actor=street, assignment=by_police, approve=True)
    services.assignment_review(actor=office, assignment=by_police, approve=True)
    task.refresh_from_db()
    assert task.status == "open"  # the street is still working
    services.assignment_submit(actor=street, assignment=by_street, note="全部排查完毕。")
    services.assignment_review(actor=office, assignment=by_street, approve=True)
    task.refresh_from_db()
    by_street.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None
    assert (by_street.status, by_street.on_time) == ("done", True)
    assert [p.kind for p in by_police.progress.all()] == ["submit", "return", "submit", "approve"]


@pytest.mark.django_db
def test_an_assignee_added_to_a_finished_task_reopens_it():
    office = User.objects.get(username="district_officer")
    police, liaison = district_police()
    street = street_officer()
    task = new_task(office, [services.Assignee(unit=unit(STREET))])
    by_street = task.assignments.get()
    services.assignment_submit(actor=street, assignment=by_street, note="完成")
    services.assignment_review(actor=office, assignment=by_street, approve=True)
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None

    added = services.task_assign(
        actor=office, task=task, assignee=services.Assignee(department=police)
    )
    task.refresh_from_db()
    assert (task.status, task.completed_at) == ("open", None)
    assert (added.status, added.assignee_name) == ("assigned", "管城回族区公安部门")
    assert texts(liaison) == [
        f"新的督办事项 {task.number}：出租房屋安全专项排查，请于 {task.due_date:%Y-%m-%d} 前办结。"
    ]
    services.assignment_submit(actor=liaison, assignment=added, note="排查完毕。")
    services.assignment_review(actor=office, assignment=added, approve=True)
    task.refresh_from_db()
    assert task.status == "done"

    cancelled = new_task(office, [services.Assignee(unit=unit(STREET))], title="撤销的事项")
    services.task_cancel(actor=office, task=cancelled, reason="重复交办")
    cancelled.refresh_from_db()
    with pytest.raises(services.CoordinationError, match="该事项已撤销，不能增加承办单位"):
        services.task_assign(
            actor=office, task=cancelled, assignee=services.Assignee(department=police)
        )
    assert cancelled.assignments.count() == 1


@pytest.mark.django_db
def test_overdue_task_alerts_once_a_week_and_due_soon_once():
    office = User.objects.get(username="district_officer")
    police, liaison = district_police()
    street = street_officer()
    due = timezone.localdate() + timedelta(days=3)
    task = new_task(
        office,
        [services.Assignee(department=police), services.Assignee(unit=unit(STREET))],
        due=due,
    )
    by_street = task.assignments.get(unit__code=STREET)
    services.assignment_submit(actor=street, assignment=by_street, note="完成")  # no alerts now

    services.task_alerts(at(due - timedelta(days=1)))
    services.task_alerts(at(due - timedelta(days=1), 16))
    assert texts(liaison, "task")[1:] == [
        f"督办事项 {task.number} 将于 {due:%Y-%m-%d} 到期，请按时办结并申请办结。"
    ]
    late = due + timedelta(days=2)
    services.task_alerts(at(late))
    services.task_alerts(at(late, 18))
    overdue = (
        f"督办事项 {task.number}（出租房屋安全专项排查）已超过办结时限 2 天，"
        "承办：管城回族区公安部门。"
    )
    assert texts(liaison, "task_overdue") == [overdue]
    assert texts(office, "task_overdue") == [overdue]
    assert texts(street, "task_overdue") == []  # submitted in time
    services.task_alerts(at(late + timedelta(days=7)))
    assert len(texts(liaison, "task_overdue")) == 2
    assignment = task.assignments.get(department=police)
    assert assignment.overdue is False  # today is before the due date
    assert TaskAssignment.objects.get(pk=assignment.pk).due_date == due


@pytest.mark.django_db
def test_departments_and_streets_see_their_own_assignments(client):
    office = User.objects.get(username="district_officer")
    police, liaison = district_police()
    street = street_officer()
    shared = new_task(
        office, [services.Assignee(department=police), services.Assignee(unit=unit(STREET))]
    )
    street_only = new_task(office, [services.Assignee(unit=unit(STREET))], title="只给街道")
    assert set(selectors.task_list_for(liaison)) == {shared}
    assert set(selectors.task_list_for(street)) >= {shared, street_only}
    assert [a.department for a in selectors.visible_assignments(liaison, shared)] == [police]
    assert [a.unit.code for a in selectors.visible_assignments(street, shared)] == [STREET]
    assert selectors.visible_assignments(office, shared).count() == 2
    login_as(client, "dpolice")
    assert client.get(reverse("coordination:task_detail", args=[street_only.pk])).status_code == 404
    page = client.get(reverse("coordination:task_detail", args=[shared.pk])).content.decode()
    assert "管城回族区公安部门" in page and "西大街街道" not in page
    assert 'name="action" value="submit"' in page


def _district_tasks_with_every_state():
    """Three assignments of the district office: done on time, done late, overdue."""
    office = User.objects.get(username="district_officer")
    police, liaison = district_police()
    street = street_officer()
    education = Department.objects.get(code=f"{DISTRICT}-education")
    task = new_task(
        office,
        [
            services.Assignee(department=police),
            services.Assignee(unit=unit(STREET)),
            services.Assignee(department=education),
        ],
    )
    today = timezone.localdate()
    for assignment, user, submitted in (
        (task.assignments.get(department=police), liaison, today - timedelta(days=9)),
        (task.assignments.get(unit__code=STREET), street, today - timedelta(days=2)),
    ):
        services.assignment_submit(actor=user, assignment=assignment, note="完成")
        TaskAssignment.objects.filter(pk=assignment.pk).update(submitted_at=at(submitted))
        services.assignment_review(
            actor=office, assignment=TaskAssignment.objects.get(pk=assignment.pk), approve=True
        )
    TaskAssignment.objects.filter(task=task).update(due_date=today - timedelta(days=5))
    return office, liaison, street, task


@pytest.mark.django_db
def test_circulation_notice_generated_issued_and_printed(client):
    office, liaison, street, task = _district_tasks_with_every_state()
    today = timezone.localdate()
    notice = services.notice_generate(
        actor=office,
        kind="criticism",
        title="关于督办事项办理情况的通报",
        period_from=today - timedelta(days=30),
        period_to=today,
    )
    assert [(r["assignee"], r["state"], r["overdue_days"]) for r in notice.rows] == [
        ("管城回族区公安部门", "on_time", 0),
        ("西大街街道", "late", 0),
        ("管城回族区教育部门", "overdue", 5),
    ]
    assert notice.body.startswith(
        f"{today - timedelta(days=30):%Y年%-m月%-d日}至{today:%Y年%-m月%-d日}，管城回族区少数民族流动人口"
        "服务管理工作领导小组办公室共跟踪督办事项 1 项、承办任务 3 件，其中按时办结 1 件，逾期办结 1 件，"
        "逾期未办结 1 件，正在办理 0 件。"
    )
    assert "逾期未办结的承办单位：管城回族区教育部门。" in notice.body
    assert "按时办结全部任务的单位：管城回族区公安部门。" in notice.body
    assert notice not in selectors.notice_list_for(street)  # a draft stays in the office
    with pytest.raises(services.CoordinationError, match="印发前请填写文号"):
        services.notice_issue(actor=office, notice=notice)
    services.notice_update(
        actor=office,
        notice=notice,
        title=notice.title,
        number="管民宗督〔2026〕2号",
        body=notice.body,
    )
    services.notice_issue(actor=office, notice=notice)
    with pytest.raises(services.CoordinationError, match="已印发的通报不能修改"):
        services.notice_update(actor=office, notice=notice, title="改", number="x", body="y")
    assert notice in selectors.notice_list_for(street)
    assert notice in selectors.notice_list_for(liaison)
    assert texts(street, "notice") == ["管城回族区印发通报：关于督办事项办理情况的通报"]
    login_as(client, street.username)
    page = client.get(reverse("coordination:notice_print", args=[notice.pk])).content.decode()
    assert '<p class="doc-number" id="notice-number">管民宗督〔2026〕2号</p>' in page
    assert "<td>管城回族区教育部门</td>" in page and "逾期未办结（逾期 5 天）" in page
    assert 'href="/static/tongxin/print.css"' in page


@pytest.mark.django_db
def test_annual_assessment_with_data_scores_manual_scores_and_the_veto():
    office = User.objects.get(username="district_officer")
    street = street_officer()
    for month in range(1, 7):  # January–June 2025 on time, the rest of 2025 missing
        for code in COMMUNITIES:
            dispute_services.report_file(
                actor=street,
                unit=unit(code),
                period=date(2025, month, 1),
                is_zero=True,
                entered_at=at(date(2025, month, 28)),
            )
    assessment = services.assessment_open(actor=office, year=2025, unit=unit(STREET))
    scores = {s.criterion.code: s for s in assessment.scores.select_related("criterion")}
    assert (scores["screening"].suggested, scores["screening"].basis) == (
        Decimal("12.5"),
        "按时填报 36 / 应报 72",
    )
    assert (scores["tasks"].suggested, scores["tasks"].basis) == (
        Decimal("25"),
        "本年度无到期的督办任务",
    )
    assert scores["registry"].suggested is None
    assert (assessment.total, assessment.grade, assessment.veto) == (Decimal("52.5"), "fail", False)
    with pytest.raises(services.CoordinationError, match="得分应在 0 到 20.0 之间"):
        services.assessment_score(
            actor=office,
            assessment=assessment,
            scores={scores["registry"].criterion_id: (Decimal(21), "")},
        )
    services.assessment_score(
        actor=office,
        assessment=assessment,
        scores={
            scores["registry"].criterion_id: (Decimal(18), "台账齐全"),
            scores["publicity"].criterion_id: (Decimal(12), ""),
        },
    )
    assert (assessment.total, assessment.grade) == (Decimal("82.5"), "good")

    # A major incident in the street that year: vetoed whatever the score.
    incident = dispute_services.incident_report(
        actor=street,
        unit=unit(COMMUNITIES[0]),
        occurred_at=at(date(2025, 6, 1)),
        place="市场",
        summary="群体性事件。",
        severity="major",
    )
    services.assessment_finalize(actor=office, assessment=assessment)
    assert (assessment.total, assessment.veto, assessment.grade, assessment.status) == (
        Decimal("82.5"),
        True,
        "fail",
        "final",
    )
    assert assessment.veto_reason == f"发生重大以上突发事件：{incident.number}"
    with pytest.raises(services.CoordinationError, match="已定档的考核不能修改"):
        services.assessment_score(actor=office, assessment=assessment, scores={})
    with pytest.raises(services.CoordinationError, match="考核已建立"):
        services.assessment_open(actor=office, year=2025, unit=unit(STREET))


@pytest.mark.django_db
def test_a_veto_by_hand_with_its_reason_and_lifted():
    office = User.objects.get(username="district_officer")
    assessment = services.assessment_open(actor=office, year=2024, unit=unit(STREET))
    services.assessment_score(
        actor=office, assessment=assessment, scores={}, veto_reason="上级通报的重大失职事件"
    )
    assert (assessment.veto, assessment.grade, assessment.veto_reason) == (
        True,
        "fail",
        "上级通报的重大失职事件",
    )
    services.assessment_score(actor=office, assessment=assessment, scores={}, veto_reason="")
    assert (assessment.veto, assessment.veto_reason) == (False, "")
    assert SupervisionTask.objects.filter(unit__code=STREET).count() == 0


@pytest.mark.django_db
def test_task_lists_take_the_same_queries_for_one_task_or_many(
    client, django_assert_max_num_queries
):
    office = User.objects.get(username="district_officer")
    police, _liaison = district_police()
    street_officer()
    for n in range(12):
        new_task(
            office,
            [services.Assignee(department=police), services.Assignee(unit=unit(STREET))],
            title=f"事项{n}",
        )
    for username in ("district_officer", "dpolice", "xidajie"):
        login_as(client, username)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("coordination:task_list")).status_code == 200
        # One more than before: a browser session's API calls read the login policy too
        # (idle timeout, password expiry), as its pages do.
        with django_assert_max_num_queries(13):
            assert client.get(reverse("api:tasks-list")).status_code == 200


@pytest.mark.django_db
def test_a_notice_made_from_the_english_pages_is_still_a_chinese_document(client):
    _district_tasks_with_every_state()
    today = timezone.localdate()
    login_as(client, "district_officer")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    form = client.get(reverse("coordination:notice_new")).content.decode()
    assert "Period from" in form  # the page is in English, the title it offers is not
    assert 'value="关于督查督办事项办理情况的通报"' in form
    start = today - timedelta(days=30)
    response = client.post(
        reverse("coordination:notice_new"),
        {
            "kind": "criticism",
            "title": "关于督查督办事项办理情况的通报",
            "period_from": start.isoformat(),
            "period_to": today.isoformat(),
        },
    )
    notice = CirculationNotice.objects.get(unit__code=DISTRICT)
    assert response["Location"] == reverse("coordination:notice_detail", args=[notice.pk])
    assert notice.body.startswith(
        f"{start.year}年{start.month}月{start.day}日至{today.year}年{today.month}月{today.day}日，"
        "管城回族区少数民族流动人口服务管理工作领导小组办公室共跟踪督办事项 1 项"
    )
    printed = client.get(reverse("coordination:notice_print", args=[notice.pk])).content.decode()
    assert '<p class="addressee">各成员单位，各区县、街道：</p>' in printed
    assert "逾期未办结（逾期 5 天）" in printed and "（草稿，未印发）" in printed


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.mark.django_db
def test_an_unknown_filter_value_is_named_and_never_widens_the_lists_or_their_exports(client):
    """A status, kind or checkbox value no page offers was ignored: the task, inspection and
    meeting lists, and their exports, held everything in scope."""
    office = User.objects.get(username="district_officer")
    task = new_task(office, [services.Assignee(unit=unit(STREET))])
    login_as(client, "district_officer")
    for url, wrong in (
        ("coordination:task_list", {"status": "bogus"}),
        ("coordination:task_list", {"kind": "x"}),
        ("coordination:task_list", {"overdue": "yes"}),
        ("coordination:inspection_list", {"status": "bogus"}),
        ("coordination:inspection_list", {"kind": "x"}),
        ("coordination:inspection_list", {"latest": "all"}),
        ("coordination:meeting_list", {"kind": "x"}),
        ("coordination:meeting_list", {"year": "2o26"}),
    ):
        page = client.get(reverse(url), wrong).content.decode()
        assert "值无效" in page and task.number not in page, (url, wrong)
        export = client.get(reverse(url.replace("_list", "_export")), {**wrong, "format": "csv"})
        assert export.status_code == 400 and "值无效" in _text(export), (url, wrong)
    page = client.get(reverse("coordination:task_list"), {"overdue": "yes"}).content.decode()
    assert "筛选条件“有逾期”的值无效：yes" in page
    for name in ("tasks", "inspections", "meetings"):
        api = client.get(reverse(f"api:{name}-list"), {"kind": "x"})
        assert api.status_code == 400 and "值无效" in api.json()["kind"][0], name
    api = client.get(reverse("api:meetings-list"), {"year": "10000"})
    assert api.status_code == 400 and "年度" in api.json()["year"][0]
    # A known value still narrows, on the page and in the export.
    for status, listed in (("open", True), ("done", False)):
        query = {"status": status, "kind": task.kind, "overdue": ""}
        page = client.get(reverse("coordination:task_list"), query).content.decode()
        assert "值无效" not in page and (task.number in page) is listed, status
        export = _text(client.get(reverse("coordination:task_export"), {**query, "format": "csv"}))
        assert (task.number in export) is listed, status
    for query in ({"latest": "0"}, {"overdue": "1", "status": "rectifying"}):
        page = client.get(reverse("coordination:inspection_list"), query).content.decode()
        assert "值无效" not in page, query


@pytest.mark.django_db
def test_a_wrong_score_is_refused_and_the_typed_scores_and_notes_are_shown_back(client):
    office = User.objects.get(username="district_officer")
    assessment = services.assessment_open(actor=office, year=2025, unit=unit(STREET))
    scores = {s.criterion.code: s for s in assessment.scores.select_related("criterion")}
    registry, publicity = scores["registry"].criterion_id, scores["publicity"].criterion_id
    total = assessment.total
    login_as(client, "district_officer")
    url = reverse("coordination:assessment_detail", args=[assessment.pk])
    for wrong in ("NaN", "inf", "-Infinity", "sNaN"):
        response = client.post(url, {f"score-{registry}": wrong})
        assert response.status_code == 200, wrong
        assert "信息采集和动态管理 的得分应为数字。" in response.content.decode()
    typed = {
        f"score-{registry}": "30",
        f"score-{publicity}": "12",
        f"note-{publicity}": "宣传栏已更新",
        "veto_reason": "待核实",
    }
    page = client.post(url, typed).content.decode()
    assert "的得分应在 0 到 20.0 之间。" in page
    assert f'name="score-{registry}" value="30"' in page
    assert f'name="score-{publicity}" value="12"' in page
    assert f'name="note-{publicity}" value="宣传栏已更新"' in page
    assert 'name="veto_reason" value="待核实"' in page
    assessment.refresh_from_db()  # nothing saved
    assert (assessment.total, assessment.veto) == (total, False)
    assert assessment.scores.get(criterion_id=publicity).note == ""


@pytest.mark.django_db
def test_a_refused_progress_report_keeps_the_note_and_says_what_is_wrong_with_the_percent(client):
    office = User.objects.get(username="district_officer")
    street = street_officer()
    task = new_task(office, [services.Assignee(unit=unit(STREET))])
    assignment = task.assignments.get()
    login_as(client, street.username)
    url = reverse("coordination:task_detail", args=[task.pk])
    note = "已排查南顺城街、西大街两个社区，共走访出租房屋 86 户，发现隐患 2 处，已督促整改。"
    for percent, message in (
        ("150", "完成进度应在 0 到 100 之间。"),
        ("-5", "完成进度应在 0 到 100 之间。"),
        ("abc", "完成进度应为 0 到 100 之间的整数。"),
    ):
        response = client.post(
            url,
            {"assignment": assignment.pk, "action": "progress", "note": note, "percent": percent},
        )
        page = response.content.decode()
        assert response.status_code == 200 and message in page, percent
        assert f">{note}</textarea>" in page
        assert f'name="percent" inputmode="numeric" value="{percent}"' in page
    assert not assignment.progress.exists()
    response = client.post(
        url, {"assignment": assignment.pk, "action": "progress", "note": note, "percent": "60"}
    )
    assert response.status_code == 302 and assignment.progress.get().percent == 60


@pytest.mark.django_db
def test_a_draft_assessment_shows_the_data_as_it_is_now_without_a_save(client):
    office = User.objects.get(username="district_officer")
    assessment = services.assessment_open(actor=office, year=2025, unit=unit(STREET))
    url = reverse("coordination:assessment_detail", args=[assessment.pk])
    login_as(client, "leader")
    page = client.get(url).content.decode()
    assert "未发生重大以上突发事件" in page and 'id="assessment-veto"' not in page
    assert "按时填报 0 / 应报 72</td><td>0.0</td>" in page  # a suggestion of 0 is not "—"

    incident = dispute_services.incident_report(
        actor=street_officer(),
        unit=unit(COMMUNITIES[0]),
        occurred_at=at(date(2025, 6, 1)),
        place="市场",
        summary="群体性事件。",
        severity="major",
    )
    page = client.get(url).content.decode()
    assert f"发生重大以上突发事件：{incident.number}" in page
    assert 'id="assessment-veto"' in page and '<strong id="assessment-grade">不合格' in page
    assessment.refresh_from_db()  # shown, not saved: saving is the office's step
    assert (assessment.veto, assessment.status) == (False, "draft")


@pytest.mark.django_db
def test_finalizing_grades_the_scores_on_the_screen(client):
    office = User.objects.get(username="district_officer")
    assessment = services.assessment_open(actor=office, year=2025, unit=unit(STREET))
    scores = {s.criterion.code: s for s in assessment.scores.select_related("criterion")}
    registry = scores["registry"].criterion_id
    login_as(client, "district_officer")
    url = reverse("coordination:assessment_detail", args=[assessment.pk])
    page = client.post(url, {"action": "finalize", f"score-{registry}": "25"}).content.decode()
    assert "的得分应在 0 到 20.0 之间。" in page and 'value="25"' in page
    assessment.refresh_from_db()
    assert assessment.status == "draft"  # not fixed with the old score
    before = assessment.total
    client.post(url, {"action": "finalize", f"score-{registry}": "18", f"note-{registry}": "齐全"})
    assessment.refresh_from_db()
    assert assessment.status == "final"
    assert assessment.total == before + 18 - scores["registry"].score
    assert assessment.scores.get(criterion_id=registry).note == "齐全"
