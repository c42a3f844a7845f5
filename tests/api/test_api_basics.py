import pytest
from django.urls import reverse

from tongxin.geo.models import Unit

PASSWORD = "Tongxin@2026demo"


def _token(client, username):
    response = client.post(
        reverse("api:token"),
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.mark.django_db
def test_token_then_grid_list_under_a_community(client):
    token = _token(client, "street_officer")
    response = client.get(
        reverse("api:units"),
        {"level": "grid", "parent": "410104001001"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results == [
        {
            "code": "410104001001001",
            "name": Unit.objects.get(code="410104001001001").name,
            "level": "grid",
            "parent": "410104001001",
        },
        {
            "code": "410104001001002",
            "name": Unit.objects.get(code="410104001001002").name,
            "level": "grid",
            "parent": "410104001001",
        },
    ]


@pytest.mark.django_db
def test_units_outside_the_scope_are_not_listed(client):
    token = _token(client, "street_officer")
    response = client.get(
        reverse("api:units"),
        {"level": "grid", "parent": "410104002001"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.json()["results"] == []
    streets = client.get(
        reverse("api:units"), {"level": "street", "limit": 500}, HTTP_AUTHORIZATION=f"Token {token}"
    ).json()
    assert [s["code"] for s in streets["results"]] == ["410104001"]


@pytest.mark.django_db
def test_wrong_password_gives_a_clear_400(client):
    response = client.post(
        reverse("api:token"),
        {"username": "street_officer", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.json()["detail"]
    response = client.post(
        reverse("api:token"), {"username": "street_officer"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.django_db
def test_departments_list_shows_city_and_own_district(client):
    token = _token(client, "street_officer")
    data = client.get(
        reverse("api:departments"), {"limit": 100}, HTTP_AUTHORIZATION=f"Token {token}"
    ).json()
    units = {d["unit"] for d in data["results"]}
    assert units == {"410100", "410104"}
    police = next(d for d in data["results"] if d["code"] == "410100-police")
    assert set(police) == {"code", "name", "kind", "unit"}


@pytest.mark.django_db
def test_bad_token_is_401(client):
    response = client.get(reverse("api:units"), HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401


@pytest.mark.django_db
def test_schema_describes_the_endpoints(client):
    token = _token(client, "leader")
    response = client.get(
        reverse("api:schema"), {"format": "json"}, HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/geo/units/",
        "/api/v1/departments/",
        "/api/v1/audit/events/",
        "/api/v1/auth/token/",
    ):
        assert path in paths
