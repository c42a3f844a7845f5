"""A request entered later from a paper log keeps its time of receipt, within a year back:
1900-01-01 was taken (number SQ1900…, a deadline a century ago, supervision at once)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.services.models import Category, ServiceRequest

from ..conftest import login_as


def _intake(client, received_at: str, api: bool = False):
    data = {
        "channel": "window",
        "requester_name": "马明",
        "requester_phone": "13912345678",
        "description": "补录的纸质登记",
        "received_at": received_at,
    }
    if api:
        data["category"] = "employment"
        return client.post(reverse("api:requests-list"), data, content_type="application/json")
    data["category"] = Category.objects.get(code="employment").pk
    return client.post(reverse("services:request_new"), data)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1900-01-01T10:00", "2024-12-01T10:00"])
def test_a_time_of_receipt_more_than_a_year_back_is_refused(client, typed):
    login_as(client, "community_officer")
    page = _intake(client, typed)
    assert page.status_code == 200
    text = page.content.decode()
    assert "受理时间不能早于" in text and "请核对年份" in text
    assert 'value="补录的纸质登记"' in text or "补录的纸质登记</textarea>" in text  # kept
    api = _intake(client, typed + ":00+08:00", api=True)
    assert api.status_code == 400 and "受理时间不能早于" in api.json()["received_at"][0]
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_a_paper_log_of_last_month_keeps_its_time(client):
    login_as(client, "community_officer")
    received = timezone.localtime() - timedelta(days=30)
    assert _intake(client, f"{received:%Y-%m-%dT%H:%M}").status_code == 302
    request = ServiceRequest.objects.get()
    assert timezone.localtime(request.received_at).date() == received.date()
    assert request.number.startswith(f"SQ{received:%Y%m%d}")
