"""Monthly screening: the deadline in working days, zero reports and reports with disputes,
the completeness calendar with a missing month, reminders before and after the deadline,
and the counts other apps read."""

import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tongxin.disputes import selectors, services
from tongxin.disputes.models import Dispute, ScreeningReminder, ScreeningReport, ScreeningRule
from tongxin.services.models import Notification

from ..conftest import login_as
from .helpers import COMMUNITIES, STREET, at, community_officer, dispute, street_officer, unit

MARCH, FEBRUARY = date(2026, 3, 1), date(2026, 2, 1)


@pytest.mark.parametrize(
    "period,deadline",
    [
        (date(2026, 1, 1), date(2026, 2, 6)),  # 2–6 February
        (date(2026, 3, 1), date(2026, 4, 8)),  # 1–3 April, Qingming 4–6, then 7 and 8
        (date(2026, 9, 1), date(2026, 10, 13)),  # National Day 1–7, 8, 9, 10 (Saturday), 12, 13
    ],
)
@pytest.mark.django_db
def test_the_deadline_is_the_fifth_working_day_of_the_next_month(period, deadline):
    assert services.report_deadline(period) == deadline


@pytest.mark.django_db
def test_the_deadline_is_configurable():
    officer = street_officer()
    from tongxin.accounts.models import User

    bureau = User.objects.get(username="district_officer")
    services.rule_update(actor=bureau, deadline_working_day=3, reminder_working_days=1)
    assert services.report_deadline(MARCH) == date(2026, 4, 3)
    assert ScreeningRule.current().reminder_working_days == 1
    with pytest.raises(services.DisputeError):
        services.rule_update(actor=officer, deadline_working_day=0, reminder_working_days=1)


@pytest.mark.django_db
def test_a_zero_report_and_a_report_with_the_months_disputes():
    first, second = community_officer(1), community_officer(2)
    zero = services.report_file(
        actor=first,
        unit=unit(COMMUNITIES[0]),
        period=MARCH,
        is_zero=True,
        visits=42,
        entered_at=at(date(2026, 4, 3)),
    )
    assert (zero.is_zero, zero.visits, zero.deadline, zero.late) == (
        True,
        42,
        date(2026, 4, 8),
        False,
    )
    case = dispute(second, COMMUNITIES[1], found_on=date(2026, 3, 12))
    with pytest.raises(services.DisputeError, match="本月已登记矛盾纠纷 1 件，不能填报零报告"):
        services.report_file(actor=second, unit=unit(COMMUNITIES[1]), period=MARCH, is_zero=True)
    report = services.report_file(
        actor=second,
        unit=unit(COMMUNITIES[1]),
        period=MARCH,
        is_zero=False,
        entered_at=at(date(2026, 4, 9)),
    )
    assert report.late is True
    assert list(report.disputes.values_list("number", flat=True)) == [case.number]
    assert case.number.startswith("JF202603")


@pytest.mark.django_db
def test_what_a_report_may_not_be():
    officer = community_officer(1)
    community = unit(COMMUNITIES[0])
    with pytest.raises(services.DisputeError, match="请先登记"):
        services.report_file(actor=officer, unit=community, period=MARCH, is_zero=False)
    with pytest.raises(services.DisputeError, match="不在您的管理范围内"):
        services.report_file(actor=officer, unit=unit(COMMUNITIES[1]), period=MARCH, is_zero=True)
    with pytest.raises(services.DisputeError, match="由社区（村）填报"):
        services.report_file(actor=street_officer(), unit=unit(STREET), period=MARCH, is_zero=True)
    with pytest.raises(services.DisputeError, match="未来月份"):
        services.report_file(actor=officer, unit=community, period=date(2999, 1, 1), is_zero=True)
    services.report_file(actor=officer, unit=community, period=MARCH, is_zero=True)
    with pytest.raises(services.DisputeError, match="已经填报"):
        services.report_file(actor=officer, unit=community, period=date(2026, 3, 20), is_zero=True)
    assert ScreeningReport.objects.filter(unit=community).count() == 1


@pytest.mark.django_db
def test_a_dispute_registered_after_a_zero_report_corrects_it():
    officer = community_officer(1)
    report = services.report_file(
        actor=officer, unit=unit(COMMUNITIES[0]), period=MARCH, is_zero=True
    )
    case = dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 28))
    report.refresh_from_db()
    assert report.is_zero is False
    assert case.report_id == report.pk


def _file_february_and_march(missing: str) -> None:
    officer = street_officer()
    for code in COMMUNITIES:
        services.report_file(
            actor=officer,
            unit=unit(code),
            period=FEBRUARY,
            is_zero=True,
            entered_at=at(date(2026, 3, 2)),
        )
        if code != missing:
            services.report_file(
                actor=officer,
                unit=unit(code),
                period=MARCH,
                is_zero=True,
                entered_at=at(date(2026, 4, 7)),
            )


@pytest.mark.django_db
def test_completeness_calendar_shows_the_missing_month(client):
    _file_february_and_march(missing=COMMUNITIES[1])  # 平等街社区 did not file March
    officer = street_officer("xidajie2")
    calendar = selectors.completeness(officer, unit(STREET), [FEBRUARY, MARCH])
    states = {row.unit.code: [c.state for c in row.cells] for row in calendar.rows}
    assert states == {
        code: ["complete", "missing" if code == COMMUNITIES[1] else "complete"]
        for code in COMMUNITIES
    }
    assert [(t.filed, t.expected, t.state) for t in calendar.totals] == [
        (6, 6, "complete"),
        (5, 6, "missing"),
    ]
    assert [r.missing_months for r in calendar.rows] == [0, 1, 0, 0, 0, 0]

    # The district sees the street as one row: 5 of 6 in March.
    from tongxin.accounts.models import User

    district = selectors.completeness(
        User.objects.get(username="district_officer"), unit("410104"), [FEBRUARY, MARCH]
    )
    row = next(r for r in district.rows if r.unit.code == STREET)
    assert [(c.filed, c.expected, c.state) for c in row.cells] == [
        (6, 6, "complete"),
        (5, 6, "missing"),
    ]

    login_as(client, "xidajie2")
    page = client.get(reverse("disputes:screening_calendar"), {"end": "2026-03"}).content.decode()
    assert 'data-state="missing" id="cell-410104002002-2026-03">缺报</td>' in page
    assert re.search(
        r'data-state="complete" id="cell-410104002001-2026-03"><a href="/disputes/screening/\d+/">'
        r"零报告</a></td>",
        page,
    )
    assert 'id="total-2026-03">5 / 6<br>' in page


@pytest.mark.django_db
def test_reminders_before_and_after_the_deadline_once_each():
    waiting = community_officer(1)  # 南顺城街社区 files nothing for March
    done = community_officer(2)
    street = street_officer()
    services.report_file(actor=done, unit=unit(COMMUNITIES[1]), period=MARCH, is_zero=True)

    def texts(user):
        return list(
            Notification.objects.filter(user=user, kind="screening")
            .order_by("pk")
            .values_list("text", flat=True)
        )

    services.screening_reminders(at(date(2026, 4, 1)))  # three working days before: too early
    assert texts(waiting) == []
    services.screening_reminders(at(date(2026, 4, 3)))  # two working days before the 8th
    services.screening_reminders(at(date(2026, 4, 7)))  # again: nothing new
    assert texts(waiting) == [
        "请于2026年4月8日前填报2026年3月的矛盾纠纷排查报告（无纠纷也须零报告）。"
    ]
    assert texts(done) == [] and texts(street) == []
    services.screening_reminders(at(date(2026, 4, 9)))
    services.screening_reminders(at(date(2026, 4, 10)))
    assert texts(waiting)[1:] == [
        "2026年3月的矛盾纠纷排查报告已超过截止日期（2026年4月8日），请尽快补报。"
    ]
    assert texts(street) == ["2026年3月未按期填报矛盾纠纷排查报告的社区：南顺城街社区居委会"]
    assert ScreeningReminder.objects.filter(unit=unit(COMMUNITIES[0])).count() == 2


@pytest.mark.django_db
def test_the_scheduler_runs_the_reminder_and_alert_jobs():
    from io import StringIO

    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    line = out.getvalue()
    assert "督办单" in line and "排查提醒" in line and "督办提醒" in line and "联席会议提醒" in line


@pytest.mark.django_db
def test_dispute_counts_for_other_apps():
    officer, street = community_officer(1), street_officer()
    services.report_file(actor=officer, unit=unit(COMMUNITIES[0]), period=FEBRUARY, is_zero=True)
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 3))
    agreed = dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 5))
    services.dispute_conclude(actor=officer, dispute=agreed, result="agreement", note="退还押金")
    referred = dispute(
        officer,
        COMMUNITIES[0],
        found_on=date(2026, 3, 9),
        involves_ethnic_factors=True,
        ethnic_factors_reason="双方因饮食禁忌发生冲突，纠纷起因涉及民族风俗习惯。",
    )
    services.dispute_conclude(actor=officer, dispute=referred, result="court")
    services.ethnic_factors_review(actor=street, dispute=referred, confirm=True)
    services.report_file(actor=officer, unit=unit(COMMUNITIES[0]), period=MARCH, is_zero=False)
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 4, 1))
    assert selectors.dispute_counts(STREET, date(2026, 2, 1), date(2026, 3, 31)) == {
        "reports": 2,
        "zero_reports": 1,
        "communities": 6,
        "disputes": 3,
        "concluded": 2,
        "resolved": 1,
        "ethnic_set": 1,
        "ethnic_confirmed": 1,
        "incidents": 0,
    }
    assert selectors.dispute_counts_by(STREET, date(2026, 3, 1), date(2026, 4, 30), "month") == {
        "2026-03": {"disputes": 3, "resolved": 1},
        "2026-04": {"disputes": 1, "resolved": 0},
    }
    assert selectors.dispute_counts_by(STREET, date(2026, 3, 1), date(2026, 3, 31), "unit") == {
        COMMUNITIES[0]: {"disputes": 3, "resolved": 1}
    }
    assert Dispute.objects.filter(unit_path__startswith=STREET).count() == 4


@pytest.mark.django_db
def test_a_backdated_paper_report_counts_on_time_only_with_a_reason_and_shows_its_entry(client):
    """A street must not make a missed month look filed on time by typing an early date."""
    officer = street_officer()
    today = timezone.localdate()
    month = selectors.add_months(today.replace(day=1), -3)  # its deadline is long past
    deadline = services.report_deadline(month)
    paper = deadline - timedelta(days=2)
    login_as(client, officer.username)
    url = reverse("disputes:screening_new")
    form = {"period": f"{month:%Y-%m}", "is_zero": "on", "filed_on": paper.isoformat()}

    # A date alone: kept and shown, but the report is late by when it was entered.
    client.post(url, form | {"unit": COMMUNITIES[0]})
    plain = ScreeningReport.objects.get(unit__code=COMMUNITIES[0], period=month)
    assert plain.late is True and plain.filed_at.date() == paper
    assert timezone.localdate(plain.entered_at) == today
    page = client.get(reverse("disputes:screening_detail", args=[plain.pk])).content.decode()
    assert f"纸质报告报送 {paper:%Y-%m-%d} · 录入 {today:%Y-%m-%d}" in page
    assert "逾期填报" in page

    # A token reason ("." made a missed month on time) is refused, nothing filed.
    response = client.post(url, form | {"unit": COMMUNITIES[1], "paper_reason": "."})
    assert "补录说明请写明纸质报告何时由谁报送" in response.content.decode()
    assert not ScreeningReport.objects.filter(unit__code=COMMUNITIES[1], period=month).exists()

    # With the reason written down the paper date counts, and the entry shows as 补录.
    reason = "纸质报告按时交街道，社区账号当月未开通。"
    client.post(url, form | {"unit": COMMUNITIES[1], "paper_reason": reason})
    backfilled = ScreeningReport.objects.get(unit__code=COMMUNITIES[1], period=month)
    assert backfilled.late is False and backfilled.paper_reason == reason
    page = client.get(reverse("disputes:screening_detail", args=[backfilled.pk])).content.decode()
    assert 'id="report-backfilled">补录</span>' in page and reason in page
    assert f"录入 {today:%Y-%m-%d}" in page

    calendar = client.get(
        reverse("disputes:screening_calendar"), {"unit": STREET, "end": f"{month:%Y-%m}"}
    ).content.decode()
    cell = f'id="cell-{COMMUNITIES[0]}-{month:%Y-%m}"'
    assert f'<td class="cal-late" data-state="late" {cell}>' in calendar
    cell = f'id="cell-{COMMUNITIES[1]}-{month:%Y-%m}"'
    after = calendar.split(cell)[1].split("</td>")[0]
    assert '<small class="cal-backfilled">补录</small>' in after
    login_as(client, "district_officer")  # the district sees it on the street's row
    district_calendar = client.get(
        reverse("disputes:screening_calendar"), {"unit": "410104", "end": f"{month:%Y-%m}"}
    ).content.decode()
    row = district_calendar.split(f'id="row-{STREET}"')[1].split("</tr>")[0]
    assert '<small class="cal-backfilled">补录 1</small>' in row
    export = client.get(reverse("disputes:screening_export"), {"format": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "填报时间,录入时间,补录说明" in text
    assert f"{paper:%Y-%m-%d} 12:00,{today:%Y-%m-%d} " in text and reason in text
