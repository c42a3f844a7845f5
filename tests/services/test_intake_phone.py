"""The requester's phone at intake follows the registry's rule for a mobile number
(core.validators.validate_mobile), on the page and in the API: the call-back needs a number
that can be dialled."""

import pytest
from django.urls import reverse

from tongxin.services.models import Category, ServiceRequest

from ..conftest import login_as

MESSAGE = "请填写 11 位大陆手机号码（1 开头）。"


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
@pytest.mark.parametrize("phone", ["hello world", "😀😀😀", "1", "1391234567", "23912345678"])
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
