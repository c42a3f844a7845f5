"""Playwright driving Debian's Chromium against the live test server."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer

from tongxin.registry.demo import load_demo_city

CHROMIUM = os.environ.get("TONGXIN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATime(WSGIServer):
    """Django's server without threads (it answers "Connection: close" then)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite():
    """On SQLite the live server's threads share the test database's one connection (it is
    in memory): two requests at once — htmx checking a field while the page posts — met in
    it ("cannot start a transaction within a transaction") and failed a test now and then.
    There the server answers one request at a time; PostgreSQL keeps a connection each."""
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor == "sqlite":
        LiveServerThread.server_class = _OneRequestAtATime
    yield
    LiveServerThread.server_class = ThreadedWSGIServer


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_live(transactional_db, live_server):
    # Transactional tests flush the database, data migrations' rows included: put them back.
    from tongxin.services.defaults import ensure_default_categories

    ensure_default_categories()
    load_demo_city(persons=20, seed=3)
    return live_server


@pytest.fixture
def page(browser, demo_live):
    """A fresh page that records console errors and every request's host."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.console_errors = []
    page.external_requests = []
    allowed = urlparse(demo_live.url).netloc
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))

    def record(request):
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https") and parsed.netloc != allowed:
            page.external_requests.append(request.url)

    page.on("request", record)
    yield page
    context.close()
