"""Emergency aid goes to one civil-affairs department, the nearest above the request: only it
is told, it can open the request without a referral, and only it approves and records the
payment."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import Department, User
from tongxin.registry.models import Person
from tongxin.services import services
from tongxin.services.models import Category, EmergencyAssistance, Notification, ServiceRequest

from ..conftest import login_as
from .test_assistance_and_metrics import civil_affairs_liaison


def _assessed_emergency(client) -> ServiceRequest:
    officer = login_as(client, "community_officer")
    person = Person.objects.filter(unit_path__startswith=officer.unit.path).first()
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="emergency"),
        channel="window",
        description="家中失火，急需生活费",
        person=person,
    )
    services.request_act(actor=officer, request=request, action="accept")
    client.post(
        reverse("services:assistance", args=[request.pk]),
        {"step": "assess", "assessment": "全家无收入", "kind": "临时救助金", "amount": "500"},
    )
    return ServiceRequest.objects.get(pk=request.pk)


@pytest.mark.django_db
def test_the_approving_civil_affairs_department_alone_is_told_and_can_open_the_request(client):
    district = civil_affairs_liaison()
    city = civil_affairs_liaison("410100-civil_affairs", "city_civil_liaison")
    request = _assessed_emergency(client)
    assert request.assistance.department.code == "410104-civil_affairs"
    assert Notification.objects.filter(user=district, text__contains=request.number).exists()
    assert not Notification.objects.filter(user=city, text__contains=request.number).exists()

    # The district's civil affairs follows the link of its notification: it opens, with the
    # approval buttons; the request is in its inbox.
    client.force_login(district)
    page = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    assert 'value="approve"' in page
    assert (
        request in client.get(reverse("services:request_list"), {"queue": "mine"}).context["rows"]
    )
    client.post(reverse("services:assistance", args=[request.pk]), {"step": "approve"})
    assert ServiceRequest.objects.get(pk=request.pk).assistance.status == "approved"

    # The city's civil affairs, not asked, still cannot open it.
    client.force_login(city)
    assert client.get(reverse("services:request_detail", args=[request.pk])).status_code == 404


@pytest.mark.django_db
def test_only_the_approving_department_records_the_payment_and_sees_the_buttons(client):
    district = civil_affairs_liaison()
    city = civil_affairs_liaison("410100-civil_affairs", "city_civil_liaison")
    request = _assessed_emergency(client)
    officer = User.objects.get(username="community_officer")
    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-police"),
        co_departments=[Department.objects.get(code="410100-civil_affairs")],
    )
    url = reverse("services:assistance", args=[request.pk])
    detail = reverse("services:request_detail", args=[request.pk])

    # Another civil-affairs department that can open the request (as co-handler) may not
    # approve it.
    client.force_login(city)
    assert 'value="approve"' not in client.get(detail).content.decode()
    response = client.post(url, {"step": "approve"}, follow=True)
    assert "急难救助须由" in response.content.decode()
    assert ServiceRequest.objects.get(pk=request.pk).assistance.status == "assessed"

    client.force_login(district)
    client.post(url, {"step": "approve"})

    # The police handle the request but do not pay out: no button, and a refusal.
    login_as(client, "police_liaison")
    page = client.get(detail).content.decode()
    assert "登记发放" not in page and 'value="approve"' not in page
    response = client.post(url, {"step": "disburse", "note": "已发放现金"}, follow=True)
    assert "救助发放须由" in response.content.decode()
    # Nor does the officer who assessed it.
    login_as(client, "community_officer")
    assert "登记发放" not in client.get(detail).content.decode()
    client.post(url, {"step": "disburse", "note": "已发放现金"})
    assert ServiceRequest.objects.get(pk=request.pk).assistance.status == "approved"

    client.force_login(district)
    assert "登记发放" in client.get(detail).content.decode()
    client.post(url, {"step": "disburse", "note": "银行转账，经办人王伟"})
    assert ServiceRequest.objects.get(pk=request.pk).assistance.status == "disbursed"


@pytest.mark.django_db
def test_aid_assessed_before_the_department_was_recorded_gets_it(client):
    import importlib

    from django.apps import apps

    district = civil_affairs_liaison()
    request = _assessed_emergency(client)
    EmergencyAssistance.objects.filter(request=request).update(department=None)
    client.force_login(district)
    detail = reverse("services:request_detail", args=[request.pk])
    assert client.get(detail).status_code == 404
    migration = importlib.import_module(
        "tongxin.services.migrations.0009_assistance_department_backfill"
    )
    migration.backfill(apps, None)
    assert EmergencyAssistance.objects.get(request=request).department.code == (
        "410104-civil_affairs"
    )
    assert 'value="approve"' in client.get(detail).content.decode()


@pytest.mark.django_db
def test_the_approving_department_reads_the_request_but_adds_no_notes_files_or_answers(client):
    """It opens the request to approve the aid; the note, attachment and supervision-answer
    forms were hidden from it, yet their posts went through."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from tongxin.services.models import RequestAttachment, RequestEvent, SupervisionNotice

    district = civil_affairs_liaison()
    request = _assessed_emergency(client)
    services.supervise(now=timezone.now() + timedelta(days=3))  # 24 hours: late by now
    notice = SupervisionNotice.objects.get(request=request)
    events = RequestEvent.objects.filter(request=request).count()
    client.force_login(district)
    detail = reverse("services:request_detail", args=[request.pk])
    page = client.get(detail).content.decode()
    assert 'id="action-note"' not in page and 'name="notice"' not in page
    posts = [
        {"action": "note", "note": "已联系家属"},
        {"action": "answer", "notice": notice.pk, "note": "已处理"},
        {
            "action": "attach",
            "file": SimpleUploadedFile("说明.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
        },
    ]
    for data in posts:
        response = client.post(detail, data, follow=True)
        assert "只有受理人员和承办、协办部门" in response.content.decode() or (
            "督办单由收到它的承办部门答复" in response.content.decode()
        )
    assert RequestEvent.objects.filter(request=request).count() == events
    assert not RequestAttachment.objects.filter(request=request).exists()
    notice.refresh_from_db()
    assert notice.answered_at is None

    # The officer who received it still notes progress.
    officer = login_as(client, "community_officer")
    services.request_note(actor=officer, request=request, note="已送达临时救助金")
    assert RequestEvent.objects.filter(request=request).count() == events + 1


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN", "1e12", "-5"])
def test_an_aid_amount_that_is_no_sum_of_money_is_refused_with_a_message(client, amount):
    civil_affairs_liaison()
    officer = login_as(client, "community_officer")
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="emergency"),
        channel="window",
        description="钱包丢失",
        requester_name="丁",
        requester_phone="13900000003",
    )
    services.request_act(actor=officer, request=request, action="accept")
    response = client.post(
        reverse("services:assistance", args=[request.pk]),
        {"step": "assess", "assessment": "无钱返乡", "kind": "临时救助金", "amount": amount},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "大于 0 的金额" in text or "救助金额不能超过" in text
    assert not EmergencyAssistance.objects.filter(request=request).exists()


@pytest.mark.django_db
def test_aid_awaiting_approval_stays_in_the_departments_inbox_after_the_request_is_resolved(
    client,
):
    district = civil_affairs_liaison()
    request = _assessed_emergency(client)
    officer = User.objects.get(username="community_officer")
    services.request_act(actor=officer, request=request, action="resolve", result="已送医")
    client.force_login(district)
    inbox = client.get(reverse("services:request_list"), {"queue": "mine"}).context["rows"]
    assert request in inbox
    client.post(reverse("services:assistance", args=[request.pk]), {"step": "approve"})
    client.post(
        reverse("services:assistance", args=[request.pk]),
        {"step": "disburse", "note": "现金，经办人王"},
    )
    inbox = client.get(reverse("services:request_list"), {"queue": "mine"}).context["rows"]
    assert request not in inbox  # paid out: nothing waits
