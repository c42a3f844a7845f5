"""Emergency assistance approved by civil affairs; metrics; the daily digest; printouts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.services import user_create
from tongxin.registry.models import Person
from tongxin.services import services
from tongxin.services.metrics import request_metrics
from tongxin.services.models import Category, Notification, ServiceRequest

from ..conftest import login_as


def civil_affairs_liaison(
    code: str = "410104-civil_affairs", username: str = "civil_liaison"
) -> User:
    """The liaison of a civil-affairs department (by default the demo district's, which
    approves the aid of requests in the district)."""
    department = Department.objects.get(code=code)
    user = user_create(
        actor=None,
        username=username,
        password="x",
        unit=department.unit,
        roles={"department_liaison"},
        data_scope="subtree",
        department=department,
        validate=False,
    )
    department.liaison = user
    department.save()
    return user


@pytest.mark.django_db
def test_emergency_assistance_from_assessment_to_payment(client):
    officer = User.objects.get(username="street_officer")
    liaison = civil_affairs_liaison()
    person = Person.objects.filter(unit_path__startswith=officer.unit.path).first()
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="emergency"),
        channel="window",
        description="家中失火，急需生活费",
        person=person,
    )
    services.request_act(actor=officer, request=request, action="accept")
    login_as(client, "street_officer")
    url = reverse("services:assistance", args=[request.pk])
    client.post(
        url,
        {
            "step": "assess",
            "assessment": "房屋失火，全家无收入",
            "kind": "临时救助金",
            "amount": "-5",
        },
    )
    assert not hasattr(ServiceRequest.objects.get(pk=request.pk), "assistance")
    client.post(
        url,
        {
            "step": "assess",
            "assessment": "房屋失火，全家无收入",
            "kind": "临时救助金",
            "amount": "3000",
        },
    )
    aid = ServiceRequest.objects.get(pk=request.pk).assistance
    assert aid.amount == Decimal("3000") and aid.status == "assessed"
    assert Notification.objects.filter(user=liaison, text__contains="急难救助待审批").exists()
    client.post(url, {"step": "approve"})  # the street officer may not approve
    assert ServiceRequest.objects.get(pk=request.pk).assistance.status == "assessed"
    client.force_login(liaison)  # no referral needed: the aid is sent to the district's 民政
    client.post(url, {"step": "disburse", "note": "现金"})
    assert (
        ServiceRequest.objects.get(pk=request.pk).assistance.status == "assessed"
    )  # not approved yet
    client.post(url, {"step": "approve"})
    client.post(url, {"step": "disburse", "note": "银行转账，经办人王伟"})
    aid.refresh_from_db()
    assert (aid.status, aid.approved_by, aid.disbursement_note) == (
        "disbursed",
        liaison,
        "银行转账，经办人王伟",
    )
    login_as(client, "street_officer")
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "3000" in page and "已发放" in page


@pytest.mark.django_db
def test_metrics_by_department_and_month():
    officer = User.objects.get(username="street_officer")
    liaison = User.objects.get(username="police_liaison")
    police = Department.objects.get(code="410100-police")
    employment = Category.objects.get(code="employment")
    done = services.request_receive(
        actor=officer,
        category=employment,
        channel="window",
        description="a",
        requester_name="甲",
        requester_phone="13900000000",
    )
    services.request_act(actor=officer, request=done, action="accept")
    services.request_act(actor=officer, request=done, action="refer", department=police)
    services.request_act(actor=liaison, request=done, action="start")
    services.request_act(actor=liaison, request=done, action="resolve", result="办结")
    services.request_act(actor=officer, request=done, action="follow_up", satisfaction=4)
    late = services.request_receive(
        actor=officer,
        category=employment,
        channel="window",
        description="b",
        requester_name="乙",
        requester_phone="13900000001",
        received_at=timezone.now() - timedelta(days=40),
    )
    services.request_act(actor=officer, request=late, action="accept")
    services.request_act(actor=officer, request=late, action="resolve", result="迟办结")
    rows = {r.key: r for r in request_metrics(ServiceRequest.objects.all(), "department")}
    police_row = rows[police.name]
    assert (
        police_row.received,
        police_row.resolved,
        police_row.on_time_rate,
        police_row.satisfaction,
    ) == (1, 1, 1.0, 4.0)
    unreferred = rows["未转办"]
    assert (unreferred.received, unreferred.resolved, unreferred.on_time) == (1, 1, 0)
    assert unreferred.average_days >= 20
    months = {r.key for r in request_metrics(ServiceRequest.objects.all(), "month")}
    assert len(months) >= 1


@pytest.mark.django_db
def test_daily_digest_tells_each_user_their_queue():
    officer = User.objects.get(username="street_officer")
    services.request_receive(
        actor=officer,
        category=Category.objects.get(code="other"),
        channel="hotline",
        description="x",
        requester_name="丙",
        requester_phone="13900000002",
    )
    sent = services.daily_digest()
    assert sent >= 3  # street, district and city officers see the street's request
    assert Notification.objects.filter(user=officer, text__startswith="今日待办诉求 1 件").exists()
    assert not Notification.objects.filter(
        user__username="grid_worker_a", text__startswith="今日待办"
    ).exists()


@pytest.mark.django_db
def test_printouts_are_a4_pages(client):
    officer = login_as(client, "street_officer")
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="legal_aid"),
        channel="window",
        description="讨薪",
        requester_name="丁",
        requester_phone="13900000003",
    )
    services.request_act(actor=officer, request=request, action="accept")
    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-justice"),
    )
    receipt = client.get(reverse("services:request_receipt", args=[request.pk])).content.decode()
    referral = client.get(reverse("services:referral_form", args=[request.pk])).content.decode()
    assert "受理回执" in receipt and request.number in receipt and "print.css" in receipt
    assert "转办单" in referral and "司法" in referral
    due = timezone.localtime(request.due_at)
    # The end of the deadline's day, said in full (「15日前」 read as the 14th).
    assert f"{due.year}年{due.month}月{due.day}日 23:59 前（按工作日计算，节假日不计）" in receipt
    assert f"{due.year}年{due.month}月{due.day}日 23:59 前办结并反馈" in referral


@pytest.mark.django_db
def test_an_emergency_receipt_promises_hours_not_working_days(client):
    officer = login_as(client, "street_officer")
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="emergency"),
        channel="window",
        description="钱包丢失，无钱返乡",
        requester_name="丁",
        requester_phone="13900000003",
    )
    receipt = client.get(reverse("services:request_receipt", args=[request.pk])).content.decode()
    due = timezone.localtime(request.due_at)
    hours = Category.objects.get(code="emergency").due_hours
    assert (
        f"{due.year}年{due.month}月{due.day}日 {due:%H:%M} 前（受理后 {hours} 小时内）" in receipt
    )
    assert "工作日" not in receipt
    assert '<html lang="zh-hans">' in receipt
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    receipt = client.get(reverse("services:request_receipt", args=[request.pk])).content.decode()
    assert '<html lang="en">' in receipt and "年" not in receipt.split("<body")[1][:2000]


@pytest.mark.django_db
def test_the_digest_goes_out_once_a_day_however_often_it_runs():
    officer = User.objects.get(username="street_officer")
    services.request_receive(
        actor=officer,
        category=Category.objects.get(code="other"),
        channel="hotline",
        description="y",
        requester_name="戊",
        requester_phone="13900000004",
    )
    first = services.daily_digest()
    assert first >= 1
    assert services.daily_digest() == 0
    assert Notification.objects.filter(user=officer, kind="digest").count() == 1
