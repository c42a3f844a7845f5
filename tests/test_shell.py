"""The UI shell: security headers, no inline scripts, local assets only, languages."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tongxin.core.vendor import VENDOR_FILES

from .conftest import login_as


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_cookies_are_secure_over_https(settings, client):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.get(reverse("accounts:login"))
    assert response.cookies["csrftoken"]["secure"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["street_officer", "sysadmin", "auditor"])
def test_pages_have_no_inline_scripts_and_no_external_assets(client, username):
    login_as(client, username)
    html = client.get(reverse("home")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "inline event handlers are blocked by the CSP"


def test_vendor_files_are_found_locally():
    for target in VENDOR_FILES:
        assert finders.find(target), f"{target} missing: run npm ci"


@pytest.mark.django_db
def test_chinese_is_default_and_english_is_one_switch_away(client):
    login_as(client, "street_officer")
    assert "工作台" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert 'lang="en"' in page
    assert "Dashboard" in page or "Workbench" in page
    assert "工作台" not in page


@pytest.mark.django_db
def test_shell_shows_the_users_unit_and_only_permitted_menu_items(client):
    login_as(client, "grid_worker_a")
    html = client.get(reverse("home")).content.decode()
    assert "新华社区" in html
    assert reverse("registry:person_list") in html
    assert reverse("accounts:user_list") not in html
    assert reverse("audit:events") not in html
