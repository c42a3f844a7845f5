"""Holidays entered by hand for a year the chinese-calendar package does not hold yet."""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEvent
from tongxin.core import calendar_days, workdays
from tongxin.core.models import CalendarDay

from .conftest import login_as

# A year no release of the package will hold for a long while.
FAR = 2099


@pytest.mark.django_db
def test_entered_holidays_and_working_weekends_count_in_deadlines(client):
    assert not workdays.published(FAR)
    new_year = date(FAR, 1, 1)  # a Thursday
    assert new_year.weekday() == 3
    # Not entered: Monday to Friday, so New Year's Day is a working day.
    assert workdays.add_working_days(date(FAR - 1, 12, 31), 1) == new_year
    login_as(client, "sysadmin")
    url = reverse("work_calendar")
    response = client.post(
        url, {"start": f"{FAR}-01-01", "end": f"{FAR}-01-03", "workday": "0", "name": "元旦"}
    )
    assert response.status_code == 302
    client.post(url, {"start": f"{FAR}-01-04", "workday": "1", "name": "元旦调休上班"})
    # The holiday is skipped and the Sunday after it is worked.
    assert workdays.add_working_days(date(FAR - 1, 12, 31), 1) == date(FAR, 1, 4)
    assert workdays.working_days_between(date(FAR - 1, 12, 31), date(FAR, 1, 5)) == 2
    assert workdays.known(FAR)
    page = client.get(url).content.decode()
    assert f"{FAR}-01-04" in page and "元旦调休上班" in page
    event = AuditEvent.objects.filter(object_type="core.calendarday").latest("seq")
    assert event.actor_username == "sysadmin" and event.object_id == f"{FAR}-01-04..{FAR}-01-04"

    # Deleted, the day is worked again (a mistyped entry can be taken back).
    day = CalendarDay.objects.get(day=date(FAR, 1, 2))
    assert client.post(reverse("calendar_day_delete", args=[day.pk])).status_code == 302
    assert workdays.is_workday(date(FAR, 1, 2))


@pytest.mark.django_db
def test_a_published_year_is_not_changed_here_and_an_entered_day_wins_once_published(client):
    """The administrator entered 23 holidays into 2026, which the package holds: every
    deadline of the city moved. A day entered before the package held its year still wins
    (it came from the same notice)."""
    friday = date(2026, 11, 20)
    assert workdays.published(2026) and workdays.is_workday(friday)
    login_as(client, "sysadmin")
    response = client.post(
        reverse("work_calendar"),
        {"start": "2026-12-21", "end": "2026-12-31", "workday": "0", "name": "放假"},
    )
    assert response.status_code == 400
    assert "2026 年的节假日安排已随软件发布，不能在此修改。" in response.content.decode()
    assert not CalendarDay.objects.exists()
    CalendarDay.objects.create(day=friday, workday=False, name="停工")  # entered before
    workdays.forget_entered_days()
    assert workdays.add_working_days(date(2026, 11, 19), 1) == date(2026, 11, 23)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,message",
    [
        ({"start": "2099-02-10", "end": "2099-02-01"}, "截止日期早于起始日期。"),
        ({"start": "2099-01-01", "end": "2099-03-01"}, "一次最多录入 31 天"),
        ({"start": "2099-02-30"}, "输入一个有效的日期。"),
        ({"start": "", "name": "春节"}, "该字段是必填项。"),
        ({"start": "3001-01-01"}, "年份超出范围。"),
    ],
)
def test_a_wrong_entry_is_refused_with_the_reason_and_keeps_what_was_typed(client, data, message):
    login_as(client, "sysadmin")
    data = {"workday": "0", "name": "春节", **data}
    response = client.post(reverse("work_calendar"), data)
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert f'value="{data["name"]}"' in page
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_the_administrators_desk_says_which_years_lack_their_holidays(client):
    assert calendar_days.years_shown(date(2026, 10, 31)) == [2026]
    assert calendar_days.years_shown(date(2026, 11, 1)) == [2026, 2027]
    assert calendar_days.unknown_years(date(FAR, 11, 2)) == [FAR, FAR + 1]
    calendar_days.days_set(
        actor=None, start=date(FAR + 1, 1, 1), end=date(FAR + 1, 1, 1), workday=False, name="元旦"
    )
    assert calendar_days.unknown_years(date(FAR, 11, 2)) == [FAR]

    unknown = calendar_days.unknown_years()
    if not unknown:
        pytest.skip("the package holds this year and the next: nothing to warn of")
    login_as(client, "sysadmin")
    page = client.get(reverse("home")).content.decode()
    for year in unknown:
        assert f'id="calendar-warning-{year}"' in page
    login_as(client, "street_officer")  # cannot enter them: not told on its desk
    assert "calendar-warning" not in client.get(reverse("home")).content.decode()
    for year in unknown:
        calendar_days.days_set(
            actor=None, start=date(year, 1, 1), end=date(year, 1, 1), workday=False, name="元旦"
        )
    login_as(client, "sysadmin")
    assert "calendar-warning" not in client.get(reverse("home")).content.decode()
