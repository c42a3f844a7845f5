"""The registry API: create, read, update, search; scoped (404), validated (400)."""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEvent
from tongxin.registry.models import Person, Stay

from ..conftest import login_as
from .factories import GRID_A, GRID_B, fresh_id


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _new_person(**extra):
    birth = date(1988, 3, 8)
    data = {
        "name": "马明",
        "sex": "1",
        "birth_date": birth.isoformat(),
        "ethnicity": "03",
        "id_number": fresh_id(birth, "1"),
        "phone": "13912345678",
        "grid": GRID_A,
        "arrival_date": "2024-05-01",
        "reason": "work",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_grid_worker_registers_a_person_with_the_first_stay(client):
    login_as(client, "grid_worker_a")
    data = _new_person()
    response = _post(client, reverse("api:persons-list"), data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "马明"
    assert body["ethnicity"] == "03"
    assert body["grid"] == GRID_A
    assert body["present"] is True
    assert body["id_number_masked"] == data["id_number"][:6] + "********" + data["id_number"][-4:]
    assert "id_number" not in body
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == data["id_number"]
    assert person.id_number_enc != data["id_number"]  # encrypted at rest
    assert Stay.objects.get(person=person).grid.code == GRID_A


@pytest.mark.django_db
def test_validation_errors_are_400_by_field(client):
    login_as(client, "grid_worker_a")
    data = _new_person(ethnicity="", phone="12345", reason="tourism")
    data["id_number"] = data["id_number"][:-1] + ("0" if data["id_number"][-1] != "0" else "1")
    response = _post(client, reverse("api:persons-list"), data)
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"ethnicity", "phone", "id_number", "reason"}
    assert "民族必须填写" in errors["ethnicity"][0]
    assert not Person.objects.filter(name="马明").exists()


@pytest.mark.django_db
def test_duplicate_document_is_refused_naming_the_existing_person(client):
    login_as(client, "grid_worker_a")
    data = _new_person()
    first = _post(client, reverse("api:persons-list"), data).json()
    again = _post(client, reverse("api:persons-list"), {**data, "name": "马小明"})
    assert again.status_code == 400
    assert again.json()["existing_id"] == first["id"]
    assert Person.objects.filter(name__startswith="马").filter(pk=first["id"]).count() == 1
    assert not Person.objects.filter(name="马小明").exists()


@pytest.mark.django_db
def test_a_grid_outside_the_scope_is_refused(client):
    login_as(client, "grid_worker_a")
    response = _post(client, reverse("api:persons-list"), _new_person(grid=GRID_B))
    assert response.status_code == 400
    assert "grid" in response.json()


@pytest.mark.django_db
def test_list_search_and_filters(client):
    login_as(client, "street_officer")
    _post(client, reverse("api:persons-list"), _new_person())
    url = reverse("api:persons-list")
    for q in ("mm", "maming", "明", "13912345678"):
        names = [p["name"] for p in client.get(url, {"q": q}).json()["results"]]
        assert "马明" in names, q
    results = client.get(url, {"q": "mm", "ethnicity": "05"}).json()["results"]
    assert "马明" not in [p["name"] for p in results]
    in_grid = client.get(url, {"unit": GRID_A, "limit": 500}).json()["results"]
    assert in_grid and all(p["grid"] == GRID_A for p in in_grid)
    assert client.get(url, {"present": "maybe"}).status_code == 400


@pytest.mark.django_db
def test_keyset_pages_cover_the_list_once(client):
    login_as(client, "city_admin")
    url = reverse("api:persons-list")
    seen, page = [], client.get(url, {"limit": 7}).json()
    while True:
        seen += [p["id"] for p in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == Person.objects.filter(merged_into__isnull=True).count()
    assert seen == sorted(seen, reverse=True)


@pytest.mark.django_db
def test_detail_is_audited_and_out_of_scope_is_404(client):
    login_as(client, "grid_worker_a")
    pk = _post(client, reverse("api:persons-list"), _new_person()).json()["id"]
    response = client.get(reverse("api:persons-detail", args=[pk]), {"purpose": "核实"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="read", object_id=str(pk), actor_username="grid_worker_a", purpose="核实"
    ).exists()
    login_as(client, "grid_worker_b")
    assert client.get(reverse("api:persons-detail", args=[pk])).status_code == 404
    response = client.patch(
        reverse("api:persons-detail", args=[pk]),
        {"phone": "13800000000"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Person.objects.get(pk=pk).phone == "13912345678"


@pytest.mark.django_db
def test_update_keeps_history_with_reason(client):
    user = login_as(client, "grid_worker_a")
    pk = _post(client, reverse("api:persons-list"), _new_person()).json()["id"]
    response = client.patch(
        reverse("api:persons-detail", args=[pk]),
        {"employer": "清真餐馆", "reason": "回访更新"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["employer"] == "清真餐馆"
    latest = Person.objects.get(pk=pk).history.first()
    assert latest.history_change_reason == "回访更新"
    assert latest.history_user == user
    bad = client.patch(
        reverse("api:persons-detail", args=[pk]),
        {"birth_date": "2999-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "birth_date" in bad.json()


@pytest.mark.django_db
def test_liaison_reads_but_cannot_write(client):
    login_as(client, "police_liaison")
    assert client.get(reverse("api:persons-list")).status_code == 200
    response = _post(client, reverse("api:persons-list"), _new_person())
    assert response.status_code == 403
    assert not Person.objects.filter(name="马明").exists()


@pytest.mark.django_db
def test_move_and_departure_through_stays(client):
    login_as(client, "community_officer")
    pk = _post(client, reverse("api:persons-list"), _new_person()).json()["id"]
    moved = _post(
        client,
        reverse("api:stays-list"),
        {"person": pk, "grid": GRID_B, "arrival_date": "2025-01-10", "reason": "work"},
    )
    assert moved.status_code == 201, moved.json()
    stays = Stay.objects.filter(person_id=pk).order_by("arrival_date")
    assert [(s.grid.code, s.departure_date) for s in stays] == [
        (GRID_A, date(2025, 1, 10)),
        (GRID_B, None),
    ]
    assert Person.objects.get(pk=pk).unit_path == GRID_B
    open_stay = stays.last()
    early = client.patch(
        reverse("api:stays-detail", args=[open_stay.pk]),
        {"departure_date": "2024-01-01"},
        content_type="application/json",
    )
    assert early.status_code == 400
    assert "departure_date" in early.json()
    left = client.patch(
        reverse("api:stays-detail", args=[open_stay.pk]),
        {"departure_date": "2025-06-01", "destination": "返回喀什"},
        content_type="application/json",
    )
    assert left.status_code == 200
    assert Person.objects.get(pk=pk).present is False


@pytest.mark.django_db
def test_household_and_housing(client):
    login_as(client, "grid_worker_a")
    housing = _post(
        client,
        reverse("api:housing-list"),
        {
            "address": "新华社区8号院1号楼101室",
            "grid": GRID_A,
            "kind": "rented",
            "landlord_name": "王伟",
        },
    )
    assert housing.status_code == 201, housing.json()
    a = _post(client, reverse("api:persons-list"), _new_person()).json()["id"]
    b = _post(
        client,
        reverse("api:persons-list"),
        _new_person(
            name="白兰",
            sex="2",
            id_number=fresh_id(date(1990, 1, 1), "2"),
            birth_date="1990-01-01",
            phone="",
        ),
    ).json()["id"]
    household = _post(
        client,
        reverse("api:households-list"),
        {
            "housing": housing.json()["id"],
            "members": [{"person": a, "relationship": "02"}, {"person": b, "relationship": "10"}],
        },
    )
    assert household.status_code == 201, household.json()
    assert {m["person"] for m in household.json()["members"]} == {a, b}
    two_heads = _post(
        client,
        reverse("api:households-list"),
        {
            "housing": housing.json()["id"],
            "members": [{"person": a, "relationship": "02"}, {"person": b, "relationship": "02"}],
        },
    )
    assert two_heads.status_code == 400
    assert "relationship" in two_heads.json()


@pytest.mark.django_db
def test_filters_for_insurance_income_and_interpreter(client):
    login_as(client, "grid_worker_a")
    insured = _post(
        client,
        reverse("api:persons-list"),
        _new_person(name="白兰", insurance_kinds=["medical", "pension"], income_band="2to5k"),
    ).json()["id"]
    uninsured = _post(
        client,
        reverse("api:persons-list"),
        _new_person(
            name="艾力",
            id_number=fresh_id(date(1990, 1, 1)),
            birth_date="1990-01-01",
            phone="",
            interpreter_needed=True,
        ),
    ).json()["id"]
    url = reverse("api:persons-list")

    def ids(**params):
        return {p["id"] for p in client.get(url, {"limit": 500, **params}).json()["results"]}

    assert insured in ids(insurance="medical") and uninsured not in ids(insurance="medical")
    assert uninsured in ids(insurance="none") and insured not in ids(insurance="none")
    assert insured in ids(income_band="2to5k") and uninsured not in ids(income_band="2to5k")
    assert uninsured in ids(interpreter_needed="true") and insured not in ids(
        interpreter_needed="true"
    )
