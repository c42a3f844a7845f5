"""A request returned by a department goes back to the officers; a reopened request starts
afresh (its old result, satisfaction and deadline no longer hold; the history keeps them)."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import Department, User
from tongxin.services import services
from tongxin.services.models import Category, ServiceRequest, Status

from ..conftest import login_as


def _referred(officer: User, **extra) -> ServiceRequest:
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="employment"),
        channel="window",
        description="找工作",
        requester_name="马明",
        requester_phone="13912345678",
        **extra,
    )
    services.request_act(actor=officer, request=request, action="accept")
    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-police"),
        co_departments=[Department.objects.get(code="410100-health")],
    )
    return request


@pytest.mark.django_db
def test_a_returned_request_leaves_the_department_which_can_no_longer_resolve_it(client):
    officer = User.objects.get(username="street_officer")
    request = _referred(officer)
    liaison = login_as(client, "police_liaison")
    detail = reverse("services:request_detail", args=[request.pk])
    response = client.post(detail, {"action": "return", "note": "不属于我部门职责"})
    # The department no longer sees it: back to its queue, not to a page it cannot open.
    assert response.status_code == 302 and response["Location"] == reverse("services:request_list")
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    assert request.department is None and not request.co_departments.exists()
    assert client.get(detail).status_code == 404
    assert (
        request
        not in client.get(reverse("services:request_list"), {"queue": "mine"}).context["rows"]
    )
    assert services.allowed_actions(request, liaison) == []
    with pytest.raises(services.IllegalTransition):
        services.request_act(actor=liaison, request=request, action="resolve", result="已办结")
    # The officers see it with the department's reason, and may refer it again.
    login_as(client, "street_officer")
    page = client.get(detail).content.decode()
    assert "不属于我部门职责" in page and 'id="action-refer"' in page
