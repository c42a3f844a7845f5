"""Reminders about forms not in: once before the deadline, once after it, and the unit above
told which of its units are late; a returned form counts as not in."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.reports.test_forms import officer
from tongxin.accounts.roles import Role
from tongxin.geo.models import Unit
from tongxin.reports import services
from tongxin.reports.models import FormReminder
from tongxin.reports.periods import Period
from tongxin.reports.reminders import form_reminders
from tongxin.services.models import Notification

pytestmark = pytest.mark.django_db

STREET = "410104001"
MAY = Period.parse("2024-05")  # communities' deadline: the 3rd working day, 2024-06-05


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9)))


def texts(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind="report")
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_reminders_before_and_after_the_deadline_once_each():
    waiting_unit, filed_unit = Unit.objects.filter(parent__code=STREET).order_by("path")[:2]
    waiting = officer(waiting_unit.code, Role.COMMUNITY_OFFICER)
    filer = officer(filed_unit.code, Role.COMMUNITY_OFFICER)
    street = officer(STREET, Role.STREET_OFFICER)
    form = services.form_submit(actor=filer, unit=filed_unit, period=MAY, preparer="专干")

    form_reminders(at(date(2024, 6, 1)))  # three working days before: too early
    assert texts(waiting) == []
    form_reminders(at(date(2024, 6, 3)))  # two working days before
    form_reminders(at(date(2024, 6, 4)))  # again: nothing new
    assert texts(waiting) == ["请于2024年6月5日前上报2024年5月的少数民族流动人口基本情况统计表。"]
    assert texts(filer) == [] and texts(street) == []
    reminder = Notification.objects.get(user=waiting)
    assert reminder.url == f"/reports/{waiting_unit.code}/2024-05/"

    form_reminders(at(date(2024, 6, 6)))
    form_reminders(at(date(2024, 6, 6)))
    assert texts(waiting)[1:] == [
        "2024年5月的少数民族流动人口基本情况统计表已超过报送时限（2024年6月5日），请尽快上报。"
    ]
    # The street's own form is due on its 5th working day; its late communities are named.
    own, late = texts(street)
    assert own == "请于2024年6月7日前上报2024年5月的少数民族流动人口基本情况统计表。"
    assert late.startswith("2024年5月的少数民族流动人口基本情况统计表逾期未报的下级单位：")
    assert waiting_unit.name in late and filed_unit.name not in late
    assert texts(filer) == []

    # Returned after the deadline: it is not in any more, and its unit hears of it.
    services.form_review(actor=street, form=form, accept=False, comment="人数与台账不符")
    form_reminders(at(date(2024, 6, 7)))
    assert texts(filer)[-1].startswith("2024年5月的少数民族流动人口基本情况统计表已超过报送时限")
    assert FormReminder.objects.filter(unit=waiting_unit, period="2024-05").count() == 2


def test_units_without_anyone_who_files_are_not_reminded_and_the_scheduler_runs_it():
    from io import StringIO

    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "报表提醒" in out.getvalue()
    grid = Unit.objects.filter(level="grid").first()
    assert not FormReminder.objects.filter(unit=grid).exists()
