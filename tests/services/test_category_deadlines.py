"""A category's deadline is bounded (a typo of millions of working days held the database
while the deadline was counted), with a clear message on the categories page."""

import time

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.services import services
from tongxin.services.models import Category

from ..conftest import login_as


def _formset_data(overrides: dict[str, dict]) -> dict:
    categories = list(Category.objects.order_by("pk"))
    data = {
        "form-TOTAL_FORMS": str(len(categories)),
        "form-INITIAL_FORMS": str(len(categories)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, category in enumerate(categories):
        row = {
            "id": str(category.pk),
            "name": category.name,
            "due_working_days": str(category.due_working_days),
            "due_hours": str(category.due_hours or ""),
            "active": "on" if category.active else "",
        }
        row.update(overrides.get(category.code, {}))
        data.update({f"form-{i}-{k}": v for k, v in row.items() if v != ""})
    return data


@pytest.mark.django_db
def test_a_deadline_of_millions_of_working_days_is_refused_with_a_message(client):
    login_as(client, "city_admin")
    url = reverse("services:categories")
    response = client.post(
        url,
        _formset_data(
            {"other": {"due_working_days": "5000000"}, "emergency": {"due_hours": "100000"}}
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "办理时限不能超过 365 个工作日。" in page
    assert "办理时限不能超过 720 小时" in page
    assert Category.objects.get(code="other").due_working_days == 10
    assert Category.objects.get(code="emergency").due_hours == 24

    response = client.post(url, _formset_data({"other": {"due_working_days": "365"}}))
    assert response.status_code == 302
    assert Category.objects.get(code="other").due_working_days == 365


@pytest.mark.django_db
def test_a_category_saved_with_a_huge_deadline_before_the_bound_does_not_hang_intake():
    Category.objects.filter(code="other").update(due_working_days=5_000_000)
    officer = User.objects.get(username="community_officer")
    started = time.monotonic()
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="other"),
        channel="window",
        description="咨询",
        requester_name="马明",
        requester_phone="13900000000",
    )
    assert time.monotonic() - started < 10
    assert (request.due_at - request.received_at).days < 2 * 365
