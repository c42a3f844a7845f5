"""A date no calendar of the living holds — year 0001 or 9999, or a day like 02-30 — typed
into a form or sent to the API is refused with a message and nothing is saved. At midnight
on 0001-01-01 in the city the UTC moment is before Python's first; these crashed pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.coordination import services as coordination
from tongxin.disputes.models import Incident
from tongxin.registry.validation import clean_person
from tongxin.services.models import ServiceRequest

from .conftest import login_as
from .disputes.helpers import COMMUNITIES, community_officer

YEAR_MESSAGE = "年份须在 1900 至 2999 之间"


@pytest.mark.django_db
def test_a_request_received_in_year_one_is_refused_on_the_page_and_by_the_api(client):
    login_as(client, "street_officer")
    before = ServiceRequest.objects.count()
    page = client.post(
        reverse("services:request_new"),
        {
            "category": "employment",
            "channel": "window",
            "requester_name": "马明",
            "requester_phone": "13912345678",
            "description": "想找一份餐饮工作",
            "received_at": "0001-01-01T00:00",
        },
    )
    assert page.status_code == 200 and YEAR_MESSAGE in page.content.decode()
    api = client.post(
        reverse("api:requests-list"),
        {
            "category": "employment",
            "channel": "window",
            "requester_name": "马明",
            "requester_phone": "13912345678",
            "description": "想找一份餐饮工作",
            "received_at": "0001-01-01T00:00:00",
        },
        content_type="application/json",
    )
    assert api.status_code == 400 and YEAR_MESSAGE in api.json()["received_at"][0]
    assert ServiceRequest.objects.count() == before


@pytest.mark.django_db
def test_an_incident_in_year_one_is_refused(client):
    login_as(client, "community_officer")
    response = client.post(
        reverse("disputes:incident_new"),
        {
            "unit": "410104001001",
            "occurred_at": "0001-01-01T00:00",
            "place": "新华社区 3 号院",
            "severity": "general",
            "people_involved": "3",
            "summary": "邻里争执",
        },
    )
    assert response.status_code == 200 and YEAR_MESSAGE in response.content.decode()
    assert not Incident.objects.filter(place="新华社区 3 号院").exists()


@pytest.mark.django_db
def test_a_screening_report_filed_in_year_one_is_refused_by_the_api(client):
    community_officer(1)
    login_as(client, "community_1")
    response = client.post(
        reverse("api:screening-reports-list"),
        {
            "unit": COMMUNITIES[0],
            "period": "2026-03",
            "is_zero": True,
            "visits": 3,
            "filed_at": "0001-01-01T00:00:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and YEAR_MESSAGE in response.json()["filed_at"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "message"), [("9999-12-31", YEAR_MESSAGE), ("2026-02-30", "不是有效日期")]
)
def test_a_task_assigned_with_a_due_date_no_calendar_holds_is_refused(client, due, message):
    office = User.objects.get(username="district_officer")
    task = coordination.task_create(
        actor=office,
        title="出租房屋安全专项排查",
        description="逐户排查并报送台账。",
        due_date=timezone.localdate() + timedelta(days=10),
        assignees=[coordination.Assignee(department=Department.objects.get(code="410104-police"))],
    )
    login_as(client, "district_officer")
    response = client.post(
        reverse("coordination:task_detail", args=[task.pk]),
        {"action": "assign", "department": "410104-education", "due_date": due},
        follow=True,
    )
    assert message in response.content.decode()
    assert task.assignments.count() == 1


def test_a_birth_before_1900_is_refused_with_its_field():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        clean_person({"birth_date": "1899-12-31"}, partial=True)
    assert refused.value.message_dict == {"birth_date": ["出生日期的年份须在 1900 至 2999 之间。"]}
    assert clean_person({"birth_date": "1950-01-01"}, partial=True)["birth_date"].year == 1950


@pytest.mark.django_db
def test_check_dates_names_the_stored_dates_outside_the_years_until_they_are_corrected(
    capsys,
):
    """Records stored before the rule (or written by hand) are found before a deploy: the
    model, the field, the count and the ids; once corrected, the check passes."""
    from datetime import date, datetime

    from django.core.management import CommandError, call_command

    from tongxin.registry.models import Person

    person = Person.objects.order_by("pk").first()
    incident = Incident.objects.order_by("pk").first()
    assert person is not None and incident is not None
    birth, happened = person.birth_date, incident.occurred_at
    Person.objects.filter(pk=person.pk).update(birth_date=date(1899, 12, 31))
    far = datetime(3000, 1, 1, 12, tzinfo=timezone.get_current_timezone())
    Incident.objects.filter(pk=incident.pk).update(occurred_at=far)
    with pytest.raises(CommandError, match="共 2 个日期不在 1900–2999"):
        call_command("check_dates")
    out = capsys.readouterr().out
    assert f"registry.Person.birth_date: 1 条（id {person.pk}）" in out
    assert f"disputes.Incident.occurred_at: 1 条（id {incident.pk}）" in out
    Person.objects.filter(pk=person.pk).update(birth_date=birth)
    Incident.objects.filter(pk=incident.pk).update(occurred_at=happened)
    call_command("check_dates")
    assert "所有日期都在 1900–2999 年之间" in capsys.readouterr().out
