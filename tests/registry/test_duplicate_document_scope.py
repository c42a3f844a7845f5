"""Registration refuses a document that is on file, but tells a user which record (and
links to it) only if that record is in their scope; every hit is audited."""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent
from tongxin.registry.models import Person

from ..conftest import login_as
from .factories import GRID_A, GRID_B, fresh_id, grid, register


def _in_grid_a():
    return register(User.objects.get(username="city_admin"), "沙建", grid_unit=grid(GRID_A))


def _member(existing: Person) -> dict:
    data = {
        "name": "沙小建",
        "relationship": "02",
        "sex": existing.sex,
        "ethnicity": "03",
        "id_type": "citizen_id",
        "id_number": existing.id_number,
        "birth_date": existing.birth_date.isoformat(),
        "arrival_date": "2024-03-01",
        "reason": "work",
        "expected_duration": "1to3y",
        "schooling": "na",
    }
    return {f"m-{k}": v for k, v in data.items()}


def _start_visit(client) -> int:
    response = client.post(reverse("registry:visit_new"))
    return int(response["Location"].rstrip("/").split("/")[-1])


def _clash_events(username: str, person: Person):
    return AuditEvent.objects.filter(
        actor_username=username,
        object_type="registry.person",
        object_id=str(person.pk),
        action="read",
        detail__contains="duplicate_check",
    )


@pytest.mark.django_db
def test_inline_check_of_a_document_outside_the_scope_names_no_record(client):
    existing = _in_grid_a()
    login_as(client, "grid_worker_b")
    pk = _start_visit(client)
    html = client.post(
        reverse("registry:visit_check", args=[pk]), _member(existing)
    ).content.decode()
    assert "社区或街道工作人员核查" in html
    assert reverse("registry:person_detail", args=[existing.pk]) not in html
    assert "已登记" not in html
    assert _clash_events("grid_worker_b", existing).count() == 1
    # Adding the member is refused the same way: no second person for one document.
    page = client.post(
        reverse("registry:visit_edit", args=[pk]), {"action": "member", **_member(existing)}
    ).content.decode()
    assert "社区或街道工作人员核查" in page
    assert reverse("registry:person_detail", args=[existing.pk]) not in page
    assert _clash_events("grid_worker_b", existing).count() == 2


@pytest.mark.django_db
def test_inline_check_of_a_document_in_the_scope_links_the_record_and_is_audited(client):
    existing = _in_grid_a()
    login_as(client, "grid_worker_a")
    pk = _start_visit(client)
    html = client.post(
        reverse("registry:visit_check", args=[pk]), _member(existing)
    ).content.decode()
    assert "该证件号码已登记" in html
    assert reverse("registry:person_detail", args=[existing.pk]) in html
    event = _clash_events("grid_worker_a", existing).get()
    assert '"in_scope": true' in event.detail


@pytest.mark.django_db
def test_api_duplicate_outside_the_scope_gives_no_existing_id(client):
    existing = _in_grid_a()
    login_as(client, "grid_worker_b")
    response = client.post(
        reverse("api:persons-list"),
        {
            "name": "沙小建",
            "sex": existing.sex,
            "birth_date": existing.birth_date.isoformat(),
            "ethnicity": "03",
            "id_number": existing.id_number,
            "grid": GRID_B,
            "arrival_date": "2024-05-01",
            "reason": "work",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "existing_id" not in body
    assert str(existing.pk) not in body["id_number"][0]
    assert "社区或街道工作人员核查" in body["id_number"][0]
    assert not Person.objects.filter(name="沙小建").exists()
    assert _clash_events("grid_worker_b", existing).count() == 1


@pytest.mark.django_db
def test_edit_to_a_document_outside_the_scope_names_no_record(client):
    existing = _in_grid_a()
    mine = register(
        User.objects.get(username="city_admin"),
        "马明",
        grid_unit=grid(GRID_B),
        birth=existing.birth_date,
        sex=existing.sex,
    )
    login_as(client, "grid_worker_b")
    page = client.post(
        reverse("registry:person_edit", args=[mine.pk]),
        {
            "name": mine.name,
            "sex": mine.sex,
            "ethnicity": mine.ethnicity,
            "id_type": "citizen_id",
            "id_number": existing.id_number,
            "birth_date": mine.birth_date.isoformat(),
            "change_reason": "更正证件号码",
        },
    ).content.decode()
    assert "社区或街道工作人员核查" in page
    assert reverse("registry:person_detail", args=[existing.pk]) not in page
    assert _clash_events("grid_worker_b", existing).count() == 1
    assert Person.objects.get(pk=mine.pk).id_number != existing.id_number


@pytest.mark.django_db
def test_free_number_passes_the_check_unaudited(client):
    login_as(client, "grid_worker_b")
    pk = _start_visit(client)
    number = fresh_id(date(1990, 1, 1), "1")
    before = AuditEvent.objects.count()
    html = client.post(
        reverse("registry:visit_check", args=[pk]),
        {
            "m-name": "马明",
            "m-id_type": "citizen_id",
            "m-id_number": number,
            "m-birth_date": "1990-01-01",
            "m-sex": "1",
        },
    ).content.decode()
    assert "已登记" not in html and "核查" not in html
    assert AuditEvent.objects.count() == before
