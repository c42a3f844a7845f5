"""The request statistics page names its rows: streets by name (it showed path codes such as
410104001), a district's own requests as that district's, not as a street."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.services import services
from tongxin.services.models import Category

from ..conftest import login_as


def _receive(username: str) -> None:
    services.request_receive(
        actor=User.objects.get(username=username),
        category=Category.objects.get(code="employment"),
        channel="window",
        description="咨询就业",
        requester_name="马明",
        requester_phone="13912345678",
    )


@pytest.mark.django_db
def test_rows_by_street_are_named_and_a_districts_own_are_marked(client):
    _receive("street_officer")
    _receive("district_officer")
    login_as(client, "district_officer")
    page = client.get(reverse("services:metrics"), {"by": "street"}).content.decode()
    assert '<ul class="nav nav-tabs mb-3">' in page
    assert '<th scope="row">北下街街道</th><td>1</td>' in page
    assert '<th scope="row">管城回族区（本级）</th><td>1</td>' in page
    assert ">410104001<" not in page and ">410104<" not in page


@pytest.mark.django_db
def test_requests_not_referred_are_named_in_the_readers_language(client):
    _receive("street_officer")
    login_as(client, "district_officer")
    page = client.get(reverse("services:metrics")).content.decode()
    assert '<th scope="row">未转办</th>' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("services:metrics")).content.decode()
    assert '<th scope="row">Not referred</th>' in page
