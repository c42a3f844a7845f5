"""三员分立 and the account administrator's own part of the city (QA findings 1 and 2)."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import Department, User
from tongxin.accounts.services import user_create
from tongxin.geo.models import Unit

from ..conftest import login_as

PASSWORD = "Tongxin@2026demo"
NEW_PASSWORD = "Qing!Shui2027xyz"


def _edit(client, username, **data):
    user = User.objects.get(username=username)
    form = {
        "unit": user.unit.code,
        "roles": sorted(user.roles),
        "data_scope": user.data_scope,
        "is_active": "on",
        "full_name": user.full_name,
    }
    form.update(data)
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(reverse("accounts:user_edit", args=(username,)), form)


def _create(client, username, **data):
    form = {
        "username": username,
        "unit": "410100",
        "roles": ["leader"],
        "data_scope": "unit",
        "is_active": "on",
        "password": NEW_PASSWORD,
    }
    form.update(data)
    return client.post(reverse("accounts:user_create"), form)


@pytest.mark.django_db
@pytest.mark.parametrize("roles", [["auditor"], ["bureau_officer"], ["sysadmin", "auditor"]])
def test_sysadmin_cannot_grant_itself_audit_or_personal_data(client, roles):
    login_as(client, "sysadmin")
    response = _edit(client, "sysadmin", roles=roles, data_scope="all")
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert User.objects.get(username="sysadmin").roles == {"sysadmin"}
    assert client.get(reverse("audit:events")).status_code == 403
    assert client.get(reverse("registry:person_list")).status_code == 403


@pytest.mark.django_db
def test_sysadmin_cannot_change_its_own_scope_or_unit(client):
    login_as(client, "sysadmin")
    response = _edit(client, "sysadmin", data_scope="unit")
    assert "不能修改自己账户" in response.content.decode()
    response = _edit(client, "sysadmin", is_active=None)
    assert "不能修改自己账户" in response.content.decode()
    sysadmin = User.objects.get(username="sysadmin")
    assert sysadmin.data_scope == "all" and sysadmin.is_active
    # Its name it may correct.
    assert _edit(client, "sysadmin", full_name="系统管理员甲").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["auditor", "secadmin"])
def test_sysadmin_cannot_create_auditor_or_security_admin(client, role):
    login_as(client, "sysadmin")
    response = _create(client, "qa_admin2", roles=[role], data_scope="all")
    assert response.status_code == 200
    assert "命令行创建" in response.content.decode()
    assert not User.objects.filter(username="qa_admin2").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["auditor", "secadmin"])
def test_sysadmin_cannot_edit_or_deactivate_auditor_or_security_admin(client, username):
    login_as(client, "sysadmin")
    response = _edit(client, username, is_active=None)
    assert response.status_code == 200
    assert "命令行创建和维护" in response.content.decode()
    response = _edit(client, username, roles=["leader"], data_scope="unit")
    assert "命令行创建和维护" in response.content.decode()
    user = User.objects.get(username=username)
    assert user.is_active and user.roles == {username}


@pytest.mark.django_db
def test_command_line_still_provisions_the_three_administrators(client):
    # docs/operations.md and the demo: user_create(actor=None, …) in `tongxin shell`.
    city = Unit.objects.get(code="410100")
    for name, role in [("aud2", "auditor"), ("sec2", "secadmin"), ("sys2", "sysadmin")]:
        user = user_create(
            actor=None,
            username=name,
            password=PASSWORD,
            unit=city,
            roles={role},
            data_scope="all",
        )
        assert user.roles == {role} and user.password_changed_at is not None


@pytest.mark.django_db
def test_account_created_by_sysadmin_must_change_password_at_first_login(client):
    login_as(client, "sysadmin")
    response = _create(client, "qa_bureau", roles=["bureau_officer"], data_scope="subtree")
    assert response.status_code == 302
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "qa_bureau", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(reverse("registry:person_list"))
    assert response["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "由管理员设置" in page
    # The API gives no token for the administrator's password either.
    token = client.post(
        reverse("api:token"),
        {"username": "qa_bureau", "password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 403
    own = "Mein!Eigenes2027"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": NEW_PASSWORD, "new_password": own, "new_password2": own},
    )
    assert response.status_code == 302
    assert client.get(reverse("registry:person_list")).status_code == 200


@pytest.fixture
def district_sysadmin(db):
    return user_create(
        actor=None,
        username="qa_dsys",
        password=PASSWORD,
        unit=Unit.objects.get(code="410104"),
        roles={"sysadmin"},
        data_scope="subtree",
    )


@pytest.mark.django_db
def test_district_sysadmin_cannot_hand_out_the_whole_city(client, district_sysadmin):
    login_as(client, "qa_dsys")
    response = _create(client, "qa_dall", unit="410104", roles=["bureau_officer"], data_scope="all")
    assert response.status_code == 200
    assert "全部数据" in response.content.decode()
    assert not User.objects.filter(username="qa_dall").exists()
    # Nor widen itself.
    response = _edit(client, "qa_dsys", data_scope="all")
    assert response.status_code == 200
    assert User.objects.get(username="qa_dsys").data_scope == "subtree"
    # Nor place an account outside its district.
    response = _create(client, "qa_out", unit="410185", roles=["leader"], data_scope="subtree")
    assert "不在您的管理范围内" in response.content.decode()
    assert not User.objects.filter(username="qa_out").exists()
    # Inside its district, with a narrower scope, it may.
    response = _create(
        client, "qa_in", unit="410104001", roles=["street_officer"], data_scope="subtree"
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_district_sysadmin_cannot_attach_users_to_city_departments(client, district_sysadmin):
    login_as(client, "qa_dsys")
    city_police = Department.objects.get(unit__code="410100", kind="police")
    district_police = Department.objects.get(unit__code="410104", kind="police")
    page = client.get(reverse("accounts:user_create")).content.decode()
    assert city_police.name not in page
    response = _create(
        client,
        "qa_liaison",
        unit="410104",
        roles=["department_liaison"],
        data_scope="subtree",
        department=str(city_police.pk),
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="qa_liaison").exists()
    response = _create(
        client,
        "qa_liaison",
        unit="410104",
        roles=["department_liaison"],
        data_scope="subtree",
        department=str(district_police.pk),
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_district_sysadmin_cannot_open_city_accounts(client, district_sysadmin):
    User.objects.filter(username="qa_dsys").update(data_scope="all")  # widened before the fix
    login_as(client, "qa_dsys")
    for username in ("city_admin", "auditor", "sysadmin"):
        assert client.get(reverse("accounts:user_edit", args=(username,))).status_code == 404


@pytest.mark.django_db
def test_scope_all_only_for_city_accounts(client):
    login_as(client, "sysadmin")
    response = _create(client, "qa_dall", unit="410104", roles=["bureau_officer"], data_scope="all")
    assert "只能授予市级单位" in response.content.decode()
    assert not User.objects.filter(username="qa_dall").exists()
    response = _create(client, "qa_call", unit="410100", roles=["bureau_officer"], data_scope="all")
    assert response.status_code == 302
