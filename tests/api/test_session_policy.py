"""Browser sessions on /api/ follow the idle timeout and password expiry like pages (QA
finding 4); token clients keep their own rules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEvent

from ..conftest import login_as
from .tokens import auth as _auth
from .tokens import token_response as _token

PERSONS = "/api/v1/persons/?limit=1"


@pytest.mark.django_db
def test_idle_browser_session_is_logged_out_on_the_api_too(client):
    login_as(client, "street_officer")
    assert client.get(PERSONS).status_code == 200
    session = client.session
    session["last_activity"] = timezone.now().timestamp() - 16 * 60
    session.save()
    response = client.get(PERSONS)
    assert response.status_code == 401
    assert "自动退出" in response.json()["detail"]
    assert AuditEvent.objects.filter(
        action="session_timeout", actor_username="street_officer"
    ).exists()
    # The session is gone: neither the API nor a page answer any more.
    assert client.get(PERSONS).status_code in (401, 403)
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_active_browser_session_keeps_working_on_the_api(client):
    login_as(client, "street_officer")
    session = client.session
    session["last_activity"] = timezone.now().timestamp() - 14 * 60
    session.save()
    assert client.get(PERSONS).status_code == 200


@pytest.mark.django_db
def test_expired_password_blocks_the_browser_session_on_the_api(client):
    user = login_as(client, "street_officer")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=100))
    response = client.get(PERSONS)
    assert response.status_code == 403
    assert "密码已过期" in response.json()["detail"]


@pytest.mark.django_db
def test_token_clients_keep_their_own_rules(client):
    token = _token(client, "street_officer").json()["token"]
    # No idle timeout for a token: a client that has no session is not logged out.
    assert client.get(PERSONS, **_auth(token)).status_code == 200
    assert client.get(PERSONS, **_auth(token)).status_code == 200
