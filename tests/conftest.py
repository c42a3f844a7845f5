"""Shared fixtures: the demo city loaded once per test database, and persona logins."""

from __future__ import annotations

import os

import pytest
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from tongxin.accounts.models import User
from tongxin.core import workdays
from tongxin.registry.demo import load_demo_city

# CI runs the property tests and fuzzers on fixed examples, so a red build is reproducible;
# local runs draw new examples each time and keep finding new cases.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

DEMO_PERSONS = 40
PERSONAS = [
    "city_admin",
    "district_officer",
    "street_officer",
    "community_officer",
    "grid_worker_a",
    "grid_worker_b",
    "police_liaison",
    "leader",
    "sysadmin",
    "secadmin",
    "auditor",
    "origin_liaison",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo_city(persons=DEMO_PERSONS, seed=7)


@pytest.fixture(autouse=True)
def _not_demo_mode(settings):
    settings.DEMO = False


@pytest.fixture(autouse=True)
def _entered_holidays_read_afresh():
    # Each test's holidays are its own (the days entered are remembered for a minute).
    workdays.forget_entered_days()


@pytest.fixture(autouse=True)
def _default_language(settings):
    # A request that switched to English leaves English active in the thread; every test
    # starts (and ends) in the source language, whatever ran before it.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def login_as(client, username: str) -> User:
    """Log in as a persona, with the second factor done for the roles that need it."""
    user = User.objects.get(username=username)
    client.force_login(user)
    if user.needs_second_factor():
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return user


@pytest.fixture
def as_user(client, db):
    def _login(username: str):
        if username == "anonymous":
            client.logout()
            return None
        return login_as(client, username)

    return _login
