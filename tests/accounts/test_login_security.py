from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import LoginThrottle, User
from tongxin.accounts.validators import ComplexityValidator
from tongxin.audit.models import AuditEvent

from ..conftest import login_as

PASSWORD = "Tongxin@2026demo"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _totp(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = User.objects.get(username="street_officer")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.django_db
def test_login_and_logout_are_audited(client):
    response = _login(client, "street_officer", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor_username="street_officer").exists()
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="logout", actor_username="street_officer").exists()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_fifteen_minutes(client):
    for attempt in range(1, 5):
        response = _login(client, "street_officer", "wrong-password")
        assert "用户名或密码不正确" in response.content.decode()
        assert f"再失败 {5 - attempt} 次" in response.content.decode()
    response = _login(client, "street_officer", "wrong-password")
    assert "已被锁定" in response.content.decode()
    assert "15 分钟" in response.content.decode()
    # Even the right password is refused while locked.
    response = _login(client, "street_officer", PASSWORD)
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action="lockout", actor_username="street_officer").count() == 1
    assert (
        AuditEvent.objects.filter(action="login_failed", actor_username="street_officer").count()
        == 6
    )
    # After the lock expires the right password works and the counter resets.
    LoginThrottle.objects.filter(username="street_officer").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert _login(client, "street_officer", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(username="street_officer").exists()


@pytest.mark.django_db
def test_unknown_usernames_are_throttled_like_real_ones(client):
    for _ in range(5):
        response = _login(client, "nobody-here", "x")
    assert "已被锁定" in response.content.decode()


@pytest.mark.django_db
def test_api_token_is_subject_to_the_same_lockout(client):
    url = reverse("api:token")
    for _ in range(5):
        client.post(
            url, {"username": "street_officer", "password": "bad"}, content_type="application/json"
        )
    response = client.post(
        url, {"username": "street_officer", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "锁定" in response.json()["detail"]


@pytest.mark.django_db
def test_idle_session_is_logged_out(client):
    login_as(client, "street_officer")
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["last_activity"] = timezone.now().timestamp() - 16 * 60
    session.save()
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "自动退出" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="session_timeout", actor_username="street_officer"
    ).exists()
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_activity_within_the_timeout_keeps_the_session(client):
    login_as(client, "street_officer")
    session = client.session
    session["last_activity"] = timezone.now().timestamp() - 14 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditor", "city_admin"])
def test_admin_roles_must_enrol_and_use_totp(client, username):
    assert _login(client, username, PASSWORD).status_code == 302
    # Every page sends them to the second factor until it is done.
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("accounts:otp_verify")
    response = client.get(reverse("accounts:otp_verify"))
    assert response["Location"] == reverse("accounts:otp_setup")
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post(
        reverse("accounts:otp_setup"),
        {"token": "000000" if _totp(device) != "000000" else "111111"},
    )
    assert "动态口令不正确" in response.content.decode()
    response = client.post(reverse("accounts:otp_setup"), {"token": _totp(device)})
    assert "错误次数过多" in response.content.decode()  # django-otp's back-off after a failure
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    response = client.post(reverse("accounts:otp_setup"), {"token": _totp(device)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_enrolled_admin_verifies_at_next_login(client):
    user = User.objects.get(username="auditor")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, "auditor", PASSWORD)
    assert client.get(reverse("audit:events"))["Location"] == reverse("accounts:otp_verify")
    response = client.post(reverse("accounts:otp_verify"), {"token": "12345"})
    assert "6 位数字" in response.content.decode()
    client.post(reverse("accounts:otp_verify"), {"token": _totp(device)})
    assert client.get(reverse("audit:events")).status_code == 200


@pytest.mark.django_db
def test_ordinary_roles_need_no_second_factor(client):
    _login(client, "grid_worker_a", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_demo_mode_waives_totp_and_says_so(client, settings):
    settings.DEMO = True
    assert "演示模式" in client.get(reverse("accounts:login")).content.decode()
    _login(client, "auditor", PASSWORD)
    assert client.get(reverse("audit:events")).status_code == 200


@pytest.mark.django_db
def test_api_token_requires_totp_for_admin_roles(client):
    url = reverse("api:token")
    response = client.post(
        url, {"username": "auditor", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "otp" in response.json()
    device = TOTPDevice.objects.create(
        user=User.objects.get(username="auditor"), name="p", confirmed=True
    )
    response = client.post(
        url,
        {"username": "auditor", "password": PASSWORD, "otp": _totp(device)},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    events = client.get(reverse("api:audit_events"), HTTP_AUTHORIZATION=f"Token {token}")
    assert events.status_code == 200


@pytest.mark.django_db
def test_expired_password_must_be_changed_first(client):
    user = login_as(client, "street_officer")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "short", "new_password2": "short"},
    )
    assert "至少需要 10 个字符" in response.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Fresh#Pass2027",
            "new_password2": "Fresh#Pass2027",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="password", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    "password,problem",
    [
        ("Ab1!", "至少需要 10 个字符"),
        ("abcdefghijkl", "至少 3 类"),
        ("abcdefgh12", "至少 3 类"),
        ("Xstreet_officer1", "不能包含用户名"),
    ],
)
def test_password_complexity_rejects(password, problem):
    with pytest.raises(ValidationError) as exc:
        ComplexityValidator().validate(password, User(username="street_officer"))
    assert any(problem in m for m in exc.value.messages)


@pytest.mark.parametrize("password", ["Abcdefgh12", "abcdefgh1!", "ABCDEFGH1!", "长密码Abc12345"])
def test_password_complexity_accepts(password):
    ComplexityValidator().validate(password, User(username="someone"))
