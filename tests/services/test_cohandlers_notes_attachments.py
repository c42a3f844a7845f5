"""Co-handling departments, progress notes, answers to supervision notices, attachments and
the category configuration."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.services import user_create
from tongxin.audit.models import AuditEvent
from tongxin.services import services
from tongxin.services.metrics import request_metrics
from tongxin.services.models import Category, Notification, RequestEvent, ServiceRequest

from ..conftest import login_as


def liaison_of(code: str) -> User:
    department = Department.objects.get(code=code)
    user = user_create(
        actor=None,
        username=f"liaison_{department.kind}",
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


def referred(officer, *, co=()):
    request = services.request_receive(
        actor=officer,
        category=Category.objects.get(code="schooling"),
        channel="window",
        description="孩子转学",
        requester_name="马明",
        requester_phone="13912345678",
    )
    services.request_act(actor=officer, request=request, action="accept")
    services.request_act(
        actor=officer,
        request=request,
        action="refer",
        department=Department.objects.get(code="410100-education"),
        co_departments=[Department.objects.get(code=c) for c in co],
    )
    return request


@pytest.mark.django_db
def test_a_co_handling_department_sees_notes_but_does_not_resolve(client):
    officer = User.objects.get(username="street_officer")
    helper = liaison_of("410100-civil_affairs")
    handler = liaison_of("410100-education")
    request = referred(officer, co=["410100-civil_affairs"])
    assert Notification.objects.filter(user=helper, text__contains="协办").exists()
    client.force_login(helper)
    assert client.get(reverse("api:requests-detail", args=[request.pk])).status_code == 200
    response = client.post(
        reverse("api:requests-note", args=[request.pk]),
        {"note": "已联系学校"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert RequestEvent.objects.filter(
        request=request, action="note", note="已联系学校", actor=helper
    ).exists()
    assert (
        client.post(
            reverse("api:requests-start", args=[request.pk]), content_type="application/json"
        ).status_code
        == 409
    )
    client.force_login(handler)
    assert (
        client.post(
            reverse("api:requests-start", args=[request.pk]), content_type="application/json"
        ).status_code
        == 200
    )
    other = liaison_of("410100-housing")
    client.force_login(other)
    assert client.get(reverse("api:requests-detail", args=[request.pk])).status_code == 404
    assert (
        client.post(
            reverse("api:requests-note", args=[request.pk]),
            {"note": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_notes_only_while_open_and_not_empty():
    officer = User.objects.get(username="street_officer")
    request = referred(officer)
    with pytest.raises(services.IllegalTransition):
        services.request_note(actor=officer, request=request, note="  ")
    services.request_note(actor=officer, request=request, note="已电话催办")
    assert request.events.filter(action="note").count() == 1


@pytest.mark.django_db
def test_the_handling_unit_answers_a_supervision_notice_once(client):
    officer = User.objects.get(username="street_officer")
    handler = liaison_of("410100-education")
    request = referred(officer)
    ServiceRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert services.supervise() == 1
    notice = request.notices.get()
    client.force_login(handler)
    url = reverse("services:request_detail", args=[request.pk])
    client.post(url, {"action": "answer", "notice": notice.pk, "note": "学位紧张，已协调下周入学"})
    notice.refresh_from_db()
    assert notice.answer == "学位紧张，已协调下周入学" and notice.answered_at
    client.post(url, {"action": "answer", "notice": notice.pk, "note": "改口"})
    notice.refresh_from_db()
    assert notice.answer == "学位紧张，已协调下周入学"
    rows = {r.key: r for r in request_metrics(ServiceRequest.objects.all(), "department")}
    assert rows["郑州市教育部门"].notices == 1


@pytest.mark.django_db
def test_attachments_are_scoped_validated_and_audited(client):
    login_as(client, "street_officer")
    officer = User.objects.get(username="street_officer")
    request = referred(officer)
    url = reverse("services:request_detail", args=[request.pk])
    client.post(url, {"action": "attach", "file": SimpleUploadedFile("a.exe", b"MZ")})
    assert not request.attachments.exists()
    client.post(url, {"action": "attach", "file": SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test")})
    attachment = request.attachments.get()
    response = client.get(reverse("services:attachment", args=[request.pk, attachment.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert AuditEvent.objects.filter(
        action="read", object_type="services.requestattachment", actor_username="street_officer"
    ).exists()
    login_as(client, "grid_worker_a")
    assert (
        client.get(reverse("services:attachment", args=[request.pk, attachment.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_bureau_changes_a_deadline_for_new_requests_only(client):
    login_as(client, "city_admin")
    officer = User.objects.get(username="street_officer")
    before = referred(officer)
    categories = list(Category.objects.order_by("pk"))
    data = {"form-TOTAL_FORMS": len(categories), "form-INITIAL_FORMS": len(categories)}
    for i, c in enumerate(categories):
        data |= {
            f"form-{i}-id": c.pk,
            f"form-{i}-name": c.name,
            f"form-{i}-due_working_days": c.due_working_days,
            f"form-{i}-due_hours": c.due_hours or "",
            f"form-{i}-active": "on" if c.active else "",
        }
    index = [c.code for c in categories].index("schooling")
    data[f"form-{index}-due_working_days"] = 20
    assert client.post(reverse("services:categories"), data).status_code == 302
    assert Category.objects.get(code="schooling").due_working_days == 20
    after = referred(officer)
    assert after.due_at > before.due_at + timedelta(days=10)
    assert ServiceRequest.objects.get(pk=before.pk).due_at == before.due_at
    assert AuditEvent.objects.filter(object_type="services.category", action="update").exists()
