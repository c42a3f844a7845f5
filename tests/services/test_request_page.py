"""The request page: forms that make the officer choose, a history in words, and errors that
are said."""

import re

import pytest
from django.urls import reverse

from tongxin.accounts.models import Department, User
from tongxin.services import services
from tongxin.services.models import Category, ServiceRequest, Status

from ..conftest import login_as


def _accepted(officer: User) -> ServiceRequest:
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="employment"),
        channel="window",
        description="找工作",
        requester_name="马明",
        requester_phone="13912345678",
    )
    services.request_act(actor=officer, request=request, action="accept")
    return request


def _selected(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select, select_id
    return re.findall(r'<option value="([^"]*)" selected', select.group(1))


@pytest.mark.django_db
def test_no_department_or_satisfaction_is_chosen_for_the_officer(client):
    officer = login_as(client, "street_officer")
    request = _accepted(officer)
    url = reverse("services:request_detail", args=[request.pk])
    page = client.get(url).content.decode()
    assert _selected(page, "dept-refer") == [""]
    # Referring without choosing is refused with a reason, not sent to the first department.
    page = client.post(url, {"action": "refer", "department": ""}, follow=True).content.decode()
    assert "请选择承办部门。" in page
    assert ServiceRequest.objects.get(pk=request.pk).status == Status.ACCEPTED

    services.request_act(actor=officer, request=request, action="resolve", result="已介绍工作")
    page = client.get(url).content.decode()
    assert _selected(page, "sat-follow_up") == [""]
    page = client.post(url, {"action": "follow_up", "note": "电话回访"}, follow=True)
    page = page.content.decode()
    assert "请选择满意度。" in page
    request.refresh_from_db()
    assert request.status == Status.RESOLVED and request.satisfaction is None


@pytest.mark.django_db
def test_the_history_says_what_was_done_in_words_not_codes(client):
    officer = login_as(client, "street_officer")
    request = _accepted(officer)
    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-police"),
    )
    liaison = User.objects.get(username="police_liaison")
    services.request_act(actor=liaison, request=request, action="return", note="不归我管")
    services.request_note(actor=officer, request=request, note="已联系人社部门")
    page = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    history = re.search(r'<ol class="small" id="request-events">(.*?)</ol>', page, re.S).group(1)
    actions = re.findall(r'<span class="event-action">([^<]*)</span>', history)
    assert actions == ["登记", "受理", "转办", "退回", "进展情况"]
    for code in ("receive", "accept", "refer", "return", "note"):
        assert code not in history


@pytest.mark.django_db
def test_a_refused_step_is_said_and_answered_with_a_redirect(client):
    officer = login_as(client, "street_officer")
    request = _accepted(officer)
    url = reverse("services:request_detail", args=[request.pk])
    # A department that is not offered, a score out of range: said, not a silent re-render.
    response = client.post(url, {"action": "refer", "department": "no-such-department"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "承办部门：" in page
    services.request_act(actor=officer, request=request, action="resolve", result="已介绍工作")
    for score in ("9", "abc"):
        page = client.post(
            url, {"action": "follow_up", "satisfaction": score}, follow=True
        ).content.decode()
        assert "满意度：" in page
    # A call-back comment longer than is kept is refused, not cut without a word.
    page = client.post(
        url, {"action": "follow_up", "satisfaction": "4", "note": "很" * 501}, follow=True
    ).content.decode()
    assert "回访意见不能超过 500 字（现为 501 字）。" in page
    assert 'maxlength="500"' in page
    request.refresh_from_db()
    assert request.status == Status.RESOLVED and request.satisfaction is None
    client.post(url, {"action": "follow_up", "satisfaction": "4", "note": "很" * 500})
    request.refresh_from_db()
    assert request.satisfaction == 4 and request.follow_up_comment == "很" * 500


@pytest.mark.django_db
def test_a_department_refused_a_referral_is_told_why_not_blamed_on_the_status(client):
    officer = User.objects.get(username="street_officer")
    request = _accepted(officer)
    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-police"),
    )
    login_as(client, "police_liaison")
    url = reverse("services:request_detail", args=[request.pk])
    page = client.post(
        url, {"action": "refer", "department": "410100-health"}, follow=True
    ).content.decode()
    assert "部门不能“转办”，请联系受理诉求的工作人员。" in page
    assert "当前状态" not in page
    assert ServiceRequest.objects.get(pk=request.pk).department.code == "410100-police"
