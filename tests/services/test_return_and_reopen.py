"""A request returned by a department goes back to the officers; a reopened request starts
afresh (its old result, satisfaction and deadline no longer hold; the history keeps them)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

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


@pytest.mark.django_db
def test_a_reopened_request_drops_its_old_result_satisfaction_and_deadline(client):
    officer = User.objects.get(username="street_officer")
    received = timezone.now() - timedelta(days=60)
    request = _referred(officer, received_at=received)
    liaison = User.objects.get(username="police_liaison")
    services.request_act(actor=liaison, request=request, action="start")
    services.request_act(actor=liaison, request=request, action="resolve", result="已介绍工作")
    services.request_act(
        actor=officer, request=request, action="follow_up", satisfaction=3, note="一般"
    )
    services.request_act(actor=officer, request=request, action="close")
    services.request_act(actor=officer, request=request, action="reopen", note="工作未落实")
    request.refresh_from_db()
    assert (request.status, request.result, request.satisfaction, request.follow_up_comment) == (
        Status.ACCEPTED,
        "",
        None,
        "",
    )
    # A new deadline from the reopening: not at once late and supervised.
    assert request.due_at > timezone.now() and not request.overdue
    assert services.supervise() == 0
    # Back with the officers: the department that resolved it cannot resolve it again.
    assert request.department is None and not request.co_departments.exists()
    assert services.allowed_actions(request, liaison) == []
    # The statistics no longer count the old call-back.
    login_as(client, "city_admin")
    rows = client.get(reverse("services:metrics")).context["rows"]
    assert all(r.satisfaction is None for r in rows)
    # What was done before stays in the history on the page.
    login_as(client, "street_officer")
    page = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    assert "已介绍工作" in page and "满意度 3/5，一般" in page and "工作未落实" in page
    assert "3 / 5" not in page  # no longer shown as the request's satisfaction
