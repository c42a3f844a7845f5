"""Joint meetings: members invited, attendance and minutes, decisions that become tracked
action items, the six-month warning and the annual origin–destination meeting."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.coordination import services
from tongxin.coordination.models import JointMeeting
from tongxin.services.models import Notification

from ..conftest import login_as
from ..disputes.helpers import at


def district_meeting(days_ago: int, kind: str = "regular") -> JointMeeting:
    office = User.objects.get(username="district_officer")
    return services.meeting_create(
        actor=office,
        title="管城回族区联席会议",
        kind=kind,
        date=timezone.localdate() - timedelta(days=days_ago),
        agenda="研究随迁子女入学。",
        place="区民宗局",
    )


@pytest.mark.django_db
def test_members_attendance_minutes_and_a_decision_tracked_as_a_task():
    office = User.objects.get(username="district_officer")
    meeting = district_meeting(3)
    invited = meeting.attendances.select_related("department")
    assert sorted(a.department.code for a in invited) == sorted(
        Department.objects.filter(unit__code="410104").values_list("code", flat=True)
    )
    assert invited.count() == 10
    police = invited.get(department__code="410104-police")
    education = invited.get(department__code="410104-education")
    services.meeting_record(
        actor=office,
        meeting=meeting,
        minutes="议定两项事项。",
        present={police.pk: "张副局长", education.pk: "李科长"},
        others=["北下街街道办事处主任"],
    )
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert sorted(meeting.attendances.filter(present=True).values_list("name", flat=True)) == [
        "北下街街道办事处主任",
        "张副局长",
        "李科长",
    ]
    decision = services.decision_add(
        actor=office, meeting=meeting, text="区教育局做好随迁子女秋季入学。"
    )
    task = services.decision_to_task(
        actor=office,
        decision=decision,
        assignees=[services.Assignee(department=Department.objects.get(code="410104-education"))],
        due_date=timezone.localdate() + timedelta(days=30),
    )
    assert (task.kind, task.decision, task.title) == (
        "meeting_action",
        decision,
        "区教育局做好随迁子女秋季入学。",
    )
    assert task.source == f"管城回族区联席会议（{meeting.date:%Y-%m-%d}）议定"
    with pytest.raises(services.CoordinationError, match="已转为督办事项"):
        services.decision_to_task(
            actor=office, decision=decision, assignees=[], due_date=timezone.localdate()
        )
    future = district_meeting(-5)
    with pytest.raises(services.CoordinationError, match="会议尚未召开"):
        services.meeting_record(actor=office, meeting=future, minutes="x", present={})


@pytest.mark.django_db
def test_six_months_without_a_meeting_warns_the_office_once_a_month(client):
    now = at(timezone.localdate())
    officer = User.objects.get(username="district_officer")

    def warnings():
        return list(
            Notification.objects.filter(user=officer, kind="meeting")
            .order_by("pk")
            .values_list("text", flat=True)
        )

    assert services.meeting_overdue(officer.unit) == (True, None)
    services.meeting_alerts(now)
    services.meeting_alerts(now + timedelta(hours=3))
    assert warnings() == ["管城回族区尚未召开联席会议（每半年至少召开一次），请及时召开。"]
    old = district_meeting(200)
    services.meeting_record(actor=officer, meeting=old, minutes="纪要", present={})
    services.meeting_alerts(now + timedelta(days=31))
    assert warnings()[1:] == [
        f"管城回族区联席会议自 {old.date:%Y-%m-%d} 以来已超过六个月未召开，请及时召开。"
    ]
    login_as(client, "district_officer")
    page = client.get(reverse("coordination:meeting_list")).content.decode()
    assert f"管城回族区联席会议上次召开于 {old.date:%Y-%m-%d}，已超过六个月" in page
    recent = district_meeting(10)
    services.meeting_record(actor=officer, meeting=recent, minutes="纪要", present={})
    assert services.meeting_overdue(officer.unit) == (False, recent.date)
    services.meeting_alerts(now + timedelta(days=62))
    assert len(warnings()) == 2
    # The city met two months ago (demo data): no warning for the city.
    assert services.meeting_overdue(User.objects.get(username="city_admin").unit)[0] is False


@pytest.mark.django_db
def test_the_annual_origin_destination_meeting_is_noted_when_missing(client):
    login_as(client, "city_admin")
    page = client.get(reverse("coordination:meeting_list")).content.decode()
    # The demo city held it this year with its partner region.
    assert "郑州市本年度尚未召开输出地与输入地联席会议" not in page
    JointMeeting.objects.filter(kind="origin_destination").update(
        date=timezone.localdate().replace(month=1, day=1) - timedelta(days=1)
    )
    page = client.get(reverse("coordination:meeting_list")).content.decode()
    assert "郑州市本年度尚未召开输出地与输入地联席会议（每年一次）。" in page


@pytest.mark.django_db
def test_an_office_records_only_its_own_meetings_and_notices():
    district = User.objects.get(username="district_officer")
    city_meeting = JointMeeting.objects.get(kind="regular", unit__code="410100")
    with pytest.raises(services.CoordinationError, match="不在您的管理范围内"):
        services.meeting_record(actor=district, meeting=city_meeting, minutes="改", present={})
    with pytest.raises(services.CoordinationError, match="不在您的管理范围内"):
        services.decision_add(actor=district, meeting=city_meeting, text="区里加一条")
    from tongxin.coordination.models import CirculationNotice

    notice = CirculationNotice.objects.get(unit__code="410100")
    with pytest.raises(services.CoordinationError, match="不在您的管理范围内"):
        services.notice_update(actor=district, notice=notice, title="改", number="x", body="y")
    city_meeting.refresh_from_db()
    assert city_meeting.minutes.startswith("会议听取了各成员单位工作汇报")


@pytest.mark.django_db
def test_a_meeting_is_recorded_once_and_the_form_goes_once_held(client):
    meeting = district_meeting(2)
    police = meeting.attendances.get(department__code="410104-police")
    url = reverse("coordination:meeting_detail", args=[meeting.pk])
    login_as(client, "district_officer")
    assert 'id="record-form"' in client.get(url).content.decode()
    data = {
        "action": "record",
        f"present-{police.pk}": "1",
        f"name-{police.pk}": "张副局长",
        "others": "北下街街道办事处主任\n新华社区书记",
        "minutes": "议定两项事项。",
    }
    client.post(url, data)
    meeting.refresh_from_db()
    assert meeting.status == "held"
    page = client.get(url).content.decode()
    assert 'id="record-form"' not in page
    assert (
        "<li>北下街街道办事处主任</li>" in page and "<li>管城回族区公安部门：张副局长</li>" in page
    )

    # The same form sent again (a reload, a second tab) adds nobody and says why.
    response = client.post(url, data | {"minutes": "改过的纪要。"}, follow=True)
    assert "该会议的出席和纪要已经记录，不能重复记录。" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes == "议定两项事项。"
    assert sorted(meeting.attendances.filter(present=True).values_list("name", flat=True)) == [
        "北下街街道办事处主任",
        "张副局长",
        "新华社区书记",
    ]
    with pytest.raises(services.CoordinationError, match="不能重复记录"):
        services.meeting_record(
            actor=User.objects.get(username="district_officer"),
            meeting=meeting,
            minutes="再记一次",
            present={},
            others=["又一位"],
        )
    assert meeting.attendances.filter(name="又一位").count() == 0


@pytest.mark.django_db
def test_a_refused_record_or_action_item_keeps_what_was_typed(client):
    meeting = district_meeting(3)
    police = meeting.attendances.get(department__code="410104-police")
    login_as(client, "district_officer")
    url = reverse("coordination:meeting_detail", args=[meeting.pk])
    page = client.post(
        url,
        {
            "action": "record",
            f"present-{police.pk}": "1",
            f"name-{police.pk}": "张副局长",
            "others": "北下街街道办事处主任\n清真寺民管会主任",
            "minutes": "  ",
        },
    ).content.decode()
    assert "请填写会议纪要。" in page
    assert f'name="present-{police.pk}" value="1" checked' in page
    assert f'name="name-{police.pk}" value="张副局长"' in page
    assert ">北下街街道办事处主任\n清真寺民管会主任</textarea>" in page
    decision = services.decision_add(
        actor=User.objects.get(username="district_officer"),
        meeting=meeting,
        text="由区教育局牵头解决随迁子女入学。",
    )
    page = client.post(
        url,
        {
            "action": "to_task",
            "decision": decision.pk,
            "departments": ["410104-education"],
            "due_date": "",
        },
    ).content.decode()
    assert "请填写办结时限。" in page
    assert '<option value="410104-education" selected>' in page
    page = client.post(url, {"action": "decision", "text": ""}).content.decode()
    assert "请填写议定事项。" in page
