"""The requester's phone at intake is a number the call-back can dial — a mobile, a fixed
line with its area code or a 400/800 number (core.validators.validate_callback_phone) — on
the page and in the API."""

import pytest
from django.urls import reverse

from tongxin.services.models import Category, ServiceRequest

from ..conftest import login_as

MESSAGE = "请填写手机号码（11 位，1 开头）或带区号的固定电话（如 0371-12345678）。"


def _page(client, phone: str):
    return client.post(
        reverse("services:request_new"),
        {
            "category": Category.objects.get(code="employment").pk,
            "channel": "window",
            "requester_name": "马明",
            "requester_phone": phone,
            "description": "想找一份餐饮工作",
        },
    )


def _api(client, phone: str):
    return client.post(
        reverse("api:requests-list"),
        {
            "category": "employment",
            "channel": "window",
            "requester_name": "马明",
            "requester_phone": phone,
            "description": "想找一份餐饮工作",
        },
        content_type="application/json",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone", ["hello world", "😀😀😀", "1", "1391234567", "23912345678", "12345678", "0371-123"]
)
def test_what_is_not_a_phone_number_is_refused_with_a_message(client, phone):
    login_as(client, "community_officer")
    response = _page(client, phone)
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    response = _api(client, phone)
    assert response.status_code == 400
    assert response.json()["requester_phone"] == [MESSAGE]
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_a_mobile_number_with_separators_is_kept_as_digits(client):
    login_as(client, "community_officer")
    assert _page(client, "139 1234-5678").status_code == 302
    assert _api(client, "+86 139 1234 5679").status_code == 201
    phones = sorted(r.requester_phone for r in ServiceRequest.objects.all())
    assert phones == ["13912345678", "13912345679"]


@pytest.mark.django_db
def test_a_caller_with_only_a_fixed_line_or_a_service_number_can_be_registered(client):
    """The mobile-only rule refused a caller with a fixed line (0371-…): no request at all."""
    login_as(client, "community_officer")
    assert _page(client, "0371-6598 7654").status_code == 302
    assert _api(client, "010 12345678").status_code == 201
    assert _api(client, "400-123-4567").status_code == 201
    phones = sorted(r.requester_phone for r in ServiceRequest.objects.all())
    assert phones == ["01012345678", "037165987654", "4001234567"]
