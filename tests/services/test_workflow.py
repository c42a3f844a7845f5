"""Requests: deadlines in Chinese working days, the state machine, supervision of late ones."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongxin.accounts.models import Department, User
from tongxin.core.workdays import add_working_days
from tongxin.services import services
from tongxin.services.models import (
    Category,
    Notification,
    RequestEvent,
    ServiceRequest,
    Status,
    SupervisionNotice,
)

TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.mark.parametrize(
    "received,days,due",
    [
        (
            date(2026, 2, 13),
            1,
            date(2026, 2, 14),
        ),  # Friday before the Spring Festival; Saturday 14th is a working day
        (date(2026, 2, 13), 5, date(2026, 2, 27)),  # 14th, then the holiday 15–23, then 24–27
        (date(2026, 2, 17), 1, date(2026, 2, 24)),  # received during the Spring Festival holiday
        (
            date(2026, 9, 30),
            5,
            date(2026, 10, 13),
        ),  # National Day: 8, 9, 10 (adjusted Saturday), 12, 13
        (date(2026, 10, 1), 1, date(2026, 10, 8)),  # received on National Day
        (date(2026, 11, 20), 10, date(2026, 12, 4)),  # an ordinary fortnight
    ],
)
@pytest.mark.django_db  # holidays entered by hand are read from the database
def test_deadlines_count_chinese_working_days(received, days, due):
    assert add_working_days(received, days) == due


@pytest.mark.django_db
def test_due_date_of_a_request_and_emergency_within_24_hours():
    officer = User.objects.get(username="street_officer")
    residence = Category.objects.get(code="residence")
    request = services.request_receive(
        actor=officer,
        category=residence,
        channel="window",
        description="办理居住证",
        requester_name="马明",
        requester_phone="13912345678",
        received_at=at(date(2026, 2, 13)),
    )
    assert timezone.localtime(request.due_at).date() == date(2026, 2, 27)
    emergency = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="emergency"),
        channel="hotline",
        description="突发疾病无钱就医",
        requester_name="艾力",
        requester_phone="13912345678",
        received_at=at(date(2026, 2, 17), 22),
    )
    assert emergency.due_at - emergency.received_at == timedelta(hours=24)


def _new(officer, **extra):
    return services.request_receive(
        actor=officer,
        category=Category.objects.get(code="employment"),
        channel="window",
        description="找工作",
        requester_name="马明",
        requester_phone="13912345678",
        **extra,
    )


@pytest.mark.django_db
def test_a_request_goes_from_window_to_department_and_back_to_closed():
    officer = User.objects.get(username="street_officer")
    liaison = User.objects.get(username="police_liaison")
    police = Department.objects.get(code="410100-police")
    request = _new(officer)
    services.request_act(actor=officer, request=request, action="accept")
    services.request_act(actor=officer, request=request, action="refer", department=police)
    assert Notification.objects.filter(user=liaison, text__contains=request.number).exists()
    assert services.allowed_actions(request, liaison) == ["return", "start"]
    services.request_act(actor=liaison, request=request, action="start")
    services.request_act(actor=liaison, request=request, action="resolve", result="已协助办理")
    services.request_act(
        actor=officer, request=request, action="follow_up", satisfaction=5, note="满意"
    )
    services.request_act(actor=officer, request=request, action="close")
    request.refresh_from_db()
    assert request.status == Status.CLOSED and request.satisfaction == 5
    assert [e.action for e in request.events.all()] == [
        "receive",
        "accept",
        "refer",
        "start",
        "resolve",
        "follow_up",
        "close",
    ]


ACTIONS = list(services.TRANSITIONS)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.booleans(), st.integers(0, 6)), max_size=14))
def test_random_actions_never_reach_an_illegal_state(steps):
    officer = User.objects.get(username="street_officer")
    liaison = User.objects.get(username="police_liaison")
    police = Department.objects.get(code="410100-police")
    request = _new(officer)
    for name, by_liaison, satisfaction in steps:
        actor = liaison if by_liaison else officer
        before = ServiceRequest.objects.filter(pk=request.pk).values().get()
        events = RequestEvent.objects.filter(request=request).count()
        legal = request.status in services.TRANSITIONS[
            name
        ].sources and name in services.allowed_actions(request, actor)
        try:
            services.request_act(
                actor=actor,
                request=request,
                action=name,
                department=police,
                note="理由",
                result="结果",
                satisfaction=satisfaction,
            )
        except services.IllegalTransition:
            assert ServiceRequest.objects.filter(pk=request.pk).values().get() == before
            assert RequestEvent.objects.filter(request=request).count() == events
        else:
            assert legal
            assert request.status == services.TRANSITIONS[name].target
        request.refresh_from_db()
        assert request.status in Status.values
        if request.status in (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED):
            assert request.result
        if request.status in (Status.REFERRED, Status.IN_PROGRESS):
            assert request.department_id == police.pk


@pytest.mark.django_db
def test_a_late_request_gets_exactly_one_notice_per_week():
    officer = User.objects.get(username="street_officer")
    police = Department.objects.get(code="410100-police")
    request = _new(officer, received_at=timezone.now() - timedelta(days=30))
    services.request_act(actor=officer, request=request, action="accept")
    services.request_act(actor=officer, request=request, action="refer", department=police)
    on_time = _new(officer)
    assert services.supervise() == 1
    assert services.supervise() == 0  # the same week: nothing new
    assert SupervisionNotice.objects.filter(request=request).count() == 1
    assert not SupervisionNotice.objects.filter(request=on_time).exists()
    liaison = User.objects.get(username="police_liaison")
    assert Notification.objects.filter(user=liaison, text__startswith="督办").count() == 1
    assert (
        Notification.objects.filter(
            user__username="district_officer", text__startswith="督办"
        ).count()
        == 1
    )
    assert (
        services.supervise(now=timezone.now() + timedelta(days=14)) == 2
    )  # two weeks on: both late
    assert SupervisionNotice.objects.filter(request=request).count() == 2


@pytest.mark.django_db
def test_a_late_request_not_referred_is_told_to_whoever_holds_it():
    """It told only the bureau: the community officer holding it heard nothing."""
    officer = User.objects.get(username="community_officer")
    request = _new(officer, received_at=timezone.now() - timedelta(days=30))
    services.request_act(actor=officer, request=request, action="accept")
    assert services.supervise() == 1
    told = set(
        Notification.objects.filter(text__startswith="督办").values_list(
            "user__username", flat=True
        )
    )
    assert {"community_officer", "district_officer"} <= told
    assert "police_liaison" not in told


@pytest.mark.django_db
def test_scheduler_round_supervises_and_is_idempotent(capsys):
    from django.core.management import call_command

    officer = User.objects.get(username="street_officer")
    request = _new(officer, received_at=timezone.now() - timedelta(days=30))
    call_command("scheduler", "--once")
    call_command("scheduler", "--once")
    assert SupervisionNotice.objects.filter(request=request).count() == 1
    assert "督办单 1 份" in capsys.readouterr().out


def failing_job() -> str:
    raise OSError("disk unreadable")


@pytest.mark.django_db
def test_a_failing_periodic_job_is_logged_and_the_others_still_run(settings, capsys, caplog):
    from django.core.management import call_command

    settings.PERIODIC_JOBS = [
        "tests.services.test_workflow.failing_job",
        "tongxin.exchange.jobs.import_retention_job",
    ]
    call_command("scheduler", "--once")
    out = capsys.readouterr().out
    assert "failing_job 出错（见日志）" in out and "导入文件到期删除 0 个任务" in out
    assert "disk unreadable" in caplog.text
