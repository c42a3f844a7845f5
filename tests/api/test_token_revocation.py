"""API tokens die with a password change and with an expired password, and none is issued
to an expired password (QA finding 6)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.services import password_set

from ..conftest import login_as
from .tokens import PASSWORD
from .tokens import auth as _auth
from .tokens import token_response as _token

PERSONS = "/api/v1/persons/?limit=1"


@pytest.mark.django_db
def test_password_change_revokes_the_token(client):
    token = _token(client, "street_officer").json()["token"]
    assert client.get(PERSONS, **_auth(token)).status_code == 200
    login_as(client, "street_officer")
    new = "Neu!Passwort2027"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": new, "new_password2": new},
    )
    assert response.status_code == 302
    client.logout()
    assert client.get(PERSONS, **_auth(token)).status_code == 401
    fresh = _token(client, "street_officer", new).json()["token"]
    assert fresh != token
    assert client.get(PERSONS, **_auth(fresh)).status_code == 200


@pytest.mark.django_db
def test_password_set_by_an_administrator_revokes_the_token(client):
    token = _token(client, "grid_worker_a").json()["token"]
    admin = User.objects.get(username="sysadmin")
    user = User.objects.get(username="grid_worker_a")
    password_set(actor=admin, user=user, password="Zurueck!Gesetzt2027")
    assert client.get(PERSONS, **_auth(token)).status_code == 401
    # The owner must change that password before getting a token again.
    response = _token(client, "grid_worker_a", "Zurueck!Gesetzt2027")
    assert response.status_code == 403


@pytest.mark.django_db
def test_expired_password_refuses_the_token_and_issues_none(client):
    token = _token(client, "street_officer").json()["token"]
    User.objects.filter(username="street_officer").update(
        password_changed_at=timezone.now() - timedelta(days=100)
    )
    response = client.get(PERSONS, **_auth(token))
    assert response.status_code == 401
    assert "密码已过期" in response.json()["detail"]
    response = _token(client, "street_officer")
    assert response.status_code == 403
    assert "修改密码" in response.json()["detail"]
