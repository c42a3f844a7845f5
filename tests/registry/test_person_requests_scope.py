"""The person file lists a person's requests and emergency aid only as far as the reader may
see those requests (the scope of the request pages, accounts.scoping)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tongxin.accounts.models import Department, User
from tongxin.registry.models import Person
from tongxin.services import services
from tongxin.services.models import Category

from ..conftest import login_as


def _emergency_with_aid(officer: User, person: Person):
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="emergency"),
        channel="window",
        description="孕产妇，家中失火",
        person=person,
    )
    services.request_act(actor=officer, request=request, action="accept")
    services.assistance_assess(
        actor=officer,
        request=request,
        assessment="全家无收入",
        kind="临时救助金",
        amount=Decimal("3217"),
    )
    return request


@pytest.mark.django_db
def test_a_department_sees_on_the_person_file_only_requests_referred_to_it(client):
    officer = User.objects.get(username="community_officer")
    person = Person.objects.filter(unit_path__startswith=officer.unit.path).first()
    request = _emergency_with_aid(officer, person)
    url = reverse("registry:person_detail", args=[person.pk])

    login_as(client, "police_liaison")
    assert client.get(reverse("services:request_detail", args=[request.pk])).status_code == 404
    page = client.get(url).content.decode()
    assert "3217" not in page and "急难救助" not in page

    login_as(client, "community_officer")
    page = client.get(url).content.decode()
    assert "3217" in page and reverse("services:request_detail", args=[request.pk]) in page

    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-police"),
    )
    login_as(client, "police_liaison")
    assert "3217" in client.get(url).content.decode()
