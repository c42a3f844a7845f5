"""The dashboard's figures against the registry, its scope, and the lists behind its marks."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone

from tests.conftest import login_as
from tests.reports.oracle import count as oracle
from tongxin.accounts.models import User
from tongxin.analytics.data import dashboard
from tongxin.geo.models import Unit
from tongxin.reports.periods import Period, last_complete

pytestmark = pytest.mark.django_db

STREET = "410104001"


def data_of(response) -> dict:
    found = re.search(
        r'<script id="dashboard-data"[^>]*>(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1))


def test_the_figures_are_the_registrys():
    street = Unit.objects.get(code=STREET)
    today = timezone.localdate()
    period = last_complete("month", today)
    data = dashboard(User.objects.get(username="street_officer"), street, period)
    truth = oracle(street.path, period.start, today)
    assert data["kpis"]["present"] == truth["present"] > 0
    assert data["kpis"]["arrivals"] == truth.get("in", 0)
    assert data["kpis"]["departures"] == truth.get("out", 0)
    assert {e["code"]: e["value"] for e in data["ethnicity"]} == {
        k[4:]: v for k, v in truth.items() if k.startswith("eth:")
    }
    values = [e["value"] for e in data["ethnicity"]]
    assert values == sorted(values, reverse=True)
    assert sum(data["pyramid"]["male"]) == truth.get("sex:1", 0)
    assert sum(data["pyramid"]["female"]) == truth.get("sex:2", 0)
    assert sum(d["value"] for d in data["distribution"]) == truth["present"]
    assert sum(link["value"] for link in data["sankey"]["links"]) == truth["present"]
    assert len(data["monthly"]) == 60 and data["monthly"][-1]["month"] == period.key
    assert data["monthly"][-1]["present"] == truth["present"]
    assert data["monthly"][-1]["in"] == truth.get("in", 0)


def test_marks_open_lists_only_for_those_who_may_read_them():
    street = Unit.objects.get(code=STREET)
    period = Period.of("month", timezone.localdate())
    officer = dashboard(User.objects.get(username="street_officer"), street, period)
    # The demo city is drawn relative to today: which ethnicities the street holds varies.
    largest = officer["ethnicity"][0]
    assert largest["url"] == (
        f"/registry/persons/?unit={STREET}&present=1&ethnicity={largest['code']}"
    )
    assert officer["distribution"][0]["url"].startswith("/analytics/?unit=4101040010")
    # A leader reads figures, never personal data: the same marks carry no list.
    leader = dashboard(User.objects.get(username="leader"), street, period)
    assert all(e["url"] == "" for e in leader["ethnicity"])
    assert all(o["url"] == "" for o in leader["origins"])
    assert leader["distribution"][0]["url"].startswith("/analytics/")  # drilling down is fine


def test_the_list_behind_a_mark_shows_those_counted(client):
    street = Unit.objects.get(code=STREET)
    login_as(client, "street_officer")
    data = data_of(client.get(f"/analytics/?unit={STREET}"))
    largest = data["ethnicity"][0]  # which one depends on the day the demo is drawn
    listing = client.get(largest["url"])
    assert listing.status_code == 200
    shown = len(re.findall(r'href="/registry/persons/\d+/"', listing.content.decode()))
    assert shown == min(largest["value"], 50)
    assert street.name in client.get(f"/analytics/?unit={STREET}").content.decode()


def test_scope_a_community_officer_sees_only_the_community(client):
    login_as(client, "community_officer")
    page = client.get("/analytics/")
    assert page.status_code == 200
    assert data_of(page)["unit"]["code"] == "410104001001"
    assert client.get(f"/analytics/?unit={STREET}").status_code == 404
    assert client.get("/analytics/?period=2026-13").status_code == 404
    login_as(client, "police_liaison")
    assert client.get("/analytics/").status_code == 403


def test_drill_down_from_the_city_to_a_grid(client):
    login_as(client, "city_admin")
    path = ["410100", "410104", STREET, "410104001001", "410104001001001"]
    for parent, child in zip(path, path[1:], strict=False):
        data = data_of(client.get(f"/analytics/?unit={parent}"))
        assert child in [d["code"] for d in data["distribution"]]
    grid = data_of(client.get("/analytics/?unit=410104001001001"))
    assert grid["distribution"] == []
    assert (
        grid["kpis"]["present"]
        == oracle("410104001001001", timezone.localdate().replace(day=1), timezone.localdate())[
            "present"
        ]
    )


def test_the_list_behind_a_dispute_bar_holds_the_periods_disputes_only(client):
    """A bar of the period's disputes by kind opened the list of every month's."""
    from datetime import date

    from tests.disputes.helpers import COMMUNITIES, community_officer, dispute, street_officer
    from tests.disputes.helpers import STREET as WEST_STREET

    officer = community_officer(1)
    street_officer()
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 10))
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 1, 20))
    login_as(client, "xidajie")
    for period, counted in (("2026-03", 1), ("2026-Q1", 2), ("2026-02", 0)):
        data = data_of(client.get(f"/analytics/?unit={WEST_STREET}&period={period}"))
        rental = [k for k in data["disputes_by_kind"] if k["code"] == "rental"]
        assert sum(k["value"] for k in rental) == counted
        for bar in rental:
            page = client.get(bar["url"]).content.decode()
            assert len(re.findall(r'href="/disputes/\d+/"', page)) == counted, bar["url"]
    # The list says which months it holds.
    url = f"/disputes/?unit={WEST_STREET}&kind=rental&from=2026-01&to=2026-03"
    page = client.get(url).content.decode()
    assert 'name="from" value="2026-01"' in page and 'name="to" value="2026-03"' in page
    page = client.get(f"/disputes/?unit={WEST_STREET}&from=2026-13").content.decode()
    assert "筛选条件“发现月份（自）”的值无效：2026-13" in page
    assert not re.findall(r'href="/disputes/\d+/"', page)  # a typo lists nothing, not all


def test_the_lists_behind_request_bars_hold_the_periods_requests_only(client):
    """Bars count the period's requests (received, or resolved for a department's); their
    lists held every month's, narrowed by nothing the page showed."""
    from datetime import timedelta

    from tongxin.accounts.models import Department
    from tongxin.services import services
    from tongxin.services.models import Category, ServiceRequest

    officer = User.objects.get(username="street_officer")
    liaison = User.objects.get(username="police_liaison")
    police = Department.objects.get(code="410100-police")
    employment = Category.objects.get(code="employment")
    made = []
    for days_ago in (0, 70):
        request = services.request_receive(
            actor=officer,
            category=employment,
            channel="window",
            description="咨询就业",
            requester_name="马明",
            requester_phone="13900000000",
            received_at=timezone.now() - timedelta(days=days_ago),
        )
        services.request_act(actor=officer, request=request, action="accept")
        services.request_act(actor=officer, request=request, action="refer", department=police)
        services.request_act(actor=liaison, request=request, action="start")
        services.request_act(actor=liaison, request=request, action="resolve", result="已办结")
        made.append(request)
    ServiceRequest.objects.filter(pk=made[1].pk).update(
        resolved_at=timezone.now() - timedelta(days=69)
    )
    login_as(client, "street_officer")
    data = data_of(client.get(f"/analytics/?unit={STREET}&period={timezone.localdate():%Y-%m}"))
    bars = [
        *[b for b in data["requests_by_category"] if b["code"] == "employment"],
        *[b for b in data["on_time_by_department"] if b["code"] == police.code],
    ]
    assert len(bars) == 2
    for bar in bars:
        counted = bar.get("resolved", bar["value"])
        page = client.get(bar["url"]).content.decode()
        listed = re.findall(r'href="/services/requests/(\d+)/"', page)
        assert len(listed) == counted, bar["url"]
        assert str(made[0].pk) in listed and str(made[1].pk) not in listed
        assert 'id="request-narrowing"' in page and "清除筛选" in page
    page = client.get("/services/requests/?queue=all&to=2026-13").content.decode()
    assert "筛选条件“登记月份（至）”的值无效：2026-13" in page
