"""The security policy's bounds (QA finding 3): refused on the page, harmless if stored."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import SecurityPolicy
from tongxin.audit.models import AuditEvent

from ..conftest import login_as

PASSWORD = "Tongxin@2026demo"
VALID = {
    "max_failures": 5,
    "lock_minutes": 15,
    "idle_timeout_minutes": 15,
    "password_max_age_days": 90,
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password_max_age_days", 999999999, "3650"),
        ("lock_minutes", 99999999999, "1440"),
        ("lock_minutes", 99999999, "1440"),
        ("idle_timeout_minutes", 5000000, "480"),
        ("idle_timeout_minutes", 1, "5"),
        ("max_failures", 2, "3"),
        ("max_failures", 1000, "20"),
        ("lock_minutes", 0, "1"),
    ],
)
def test_policy_page_refuses_values_out_of_bounds(client, field, value, message):
    login_as(client, "secadmin")
    response = client.post(reverse("accounts:policy"), {**VALID, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "该值不能" in page or "确保该值" in page
    assert message in page
    assert not SecurityPolicy.objects.filter(pk=1).exists()
    assert not AuditEvent.objects.filter(action="policy").exists()


@pytest.mark.django_db
def test_policy_page_shows_the_bounds_and_accepts_the_limits(client):
    login_as(client, "secadmin")
    page = client.get(reverse("accounts:policy")).content.decode()
    assert "取值范围 5–480" in page
    limits = {
        "max_failures": 20,
        "lock_minutes": 1440,
        "idle_timeout_minutes": 480,
        "password_max_age_days": 3650,
    }
    assert client.post(reverse("accounts:policy"), limits).status_code == 302
    assert SecurityPolicy.objects.get(pk=1).lock_minutes == 1440


@pytest.mark.django_db
def test_huge_stored_values_do_not_break_the_site(client):
    # Stored before the bounds existed (or by hand): every page crashed, the lockout never
    # happened.
    SecurityPolicy.objects.create(
        pk=1,
        max_failures=5,
        lock_minutes=2_000_000_000,  # the largest a PostgreSQL integer column holds is 2^31-1
        idle_timeout_minutes=99999999,
        password_max_age_days=999999999,
    )
    login_as(client, "street_officer")
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    login_as(client, "secadmin")
    page = client.get(reverse("accounts:policy"))
    assert page.status_code == 200
    assert 'value="1440"' in page.content.decode()
    url = reverse("api:token")
    for _ in range(5):
        response = client.post(
            url, {"username": "grid_worker_a", "password": "bad"}, content_type="application/json"
        )
    assert response.status_code == 403
    assert "1440 分钟" in response.json()["detail"]
    response = client.post(
        url, {"username": "grid_worker_a", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 403
