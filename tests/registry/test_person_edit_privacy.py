"""The edit page shows the ID number and phone only to roles that may see them in full, and
every opening of it is audited like a read of the person page."""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.registry.models import Person

from ..conftest import login_as
from .factories import GRID_A, grid, register


def _person():
    return register(
        User.objects.get(username="city_admin"),
        "马明",
        grid_unit=grid(GRID_A),
        phone="13027322286",
        birth=date(1979, 1, 23),
    )


def _edit_data(person: Person, **changes) -> dict:
    data = {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "id_type": person.id_type,
        "id_number": "",
        "birth_date": person.birth_date.isoformat(),
        "phone": "",
        "change_reason": "核对后更正",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_grid_worker_edit_page_has_no_full_id_or_phone_and_is_audited(client):
    person = _person()
    login_as(client, "grid_worker_a")
    before = AuditEvent.objects.filter(actor_username="grid_worker_a").count()
    page = client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    assert person.id_number not in page
    assert person.phone not in page
    assert person.id_number_masked in page and person.phone_masked in page
    assert "不修改则保持原值" in page
    event = AuditEvent.objects.filter(actor_username="grid_worker_a").order_by("-seq").first()
    assert AuditEvent.objects.filter(actor_username="grid_worker_a").count() == before + 1
    assert (event.action, event.object_id) == ("read", str(person.pk))
    assert '"full_id": false' in event.detail


@pytest.mark.django_db
def test_grid_worker_edit_with_blank_id_and_phone_keeps_them(client):
    person = _person()
    number, phone = person.id_number, person.phone
    login_as(client, "grid_worker_a")
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _edit_data(person, name="马明明", employer="清真餐馆"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.employer) == ("马明明", "清真餐馆")
    assert (person.id_number, person.phone) == (number, phone)


@pytest.mark.django_db
def test_grid_worker_blank_id_still_checked_against_birth_date(client):
    person = _person()
    login_as(client, "grid_worker_a")
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _edit_data(person, birth_date="1985-05-05"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "出生日期与公民身份号码不一致" in page
    assert person.id_number not in page
    person.refresh_from_db()
    assert person.birth_date == date(1979, 1, 23)


@pytest.mark.django_db
def test_grid_worker_may_retype_the_phone(client):
    person = _person()
    login_as(client, "grid_worker_a")
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _edit_data(person, phone="139-1234-5678"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13912345678"


@pytest.mark.django_db
def test_street_officer_sees_full_values_and_the_read_says_so(client):
    person = _person()
    login_as(client, "street_officer")
    page = client.get(reverse("registry:person_edit", args=[person.pk])).content.decode()
    assert f'value="{person.id_number}"' in page and f'value="{person.phone}"' in page
    event = AuditEvent.objects.filter(actor_username="street_officer").order_by("-seq").first()
    assert (event.action, event.object_id) == ("read", str(person.pk))
    assert '"full_id": true' in event.detail
