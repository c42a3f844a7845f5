"""The requests API: intake, actions (409 when illegal), scoping of department liaisons."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEvent
from tongxin.services.models import RequestEvent, ServiceRequest

from ..conftest import login_as


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def new_request(client, **extra):
    body = {
        "category": "employment",
        "channel": "window",
        "requester_name": "马明",
        "requester_phone": "13912345678",
        "description": "想找一份餐饮工作",
    }
    body.update(extra)
    return post(client, reverse("api:requests-list"), body)


@pytest.mark.django_db
def test_intake_returns_id_status_and_due_date(client):
    login_as(client, "street_officer")
    response = new_request(client, received_at="2026-02-13T10:00:00+08:00", category="residence")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "received" and body["due_date"] == "2026-02-27" and body["id"]
    assert body["number"].startswith("SQ20260213")
    assert AuditEvent.objects.filter(
        object_type="services.servicerequest", object_id=str(body["id"]), action="create"
    ).exists()
    detail = client.get(reverse("api:requests-detail", args=[body["id"]]), {"purpose": "回访"})
    assert detail.status_code == 200 and "requester_phone" not in detail.json()
    assert AuditEvent.objects.filter(
        object_id=str(body["id"]), action="read", purpose="回访"
    ).exists()  # reading the request is a read of personal data


@pytest.mark.django_db
def test_intake_needs_a_person_or_a_name_and_phone(client):
    login_as(client, "street_officer")
    response = new_request(client, requester_name="", requester_phone="")
    assert response.status_code == 400 and "requester_name" in response.json()
    assert new_request(client, category="nonsense").status_code == 400
    assert new_request(client, received_at="2999-01-01T00:00:00+08:00").status_code == 400
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_full_lifecycle_and_illegal_actions_answer_409(client):
    login_as(client, "street_officer")
    pk = new_request(client).json()["id"]
    url = lambda action: reverse(f"api:requests-{action}", args=[pk])  # noqa: E731
    before = RequestEvent.objects.filter(request_id=pk).count()
    response = post(client, url("close"))
    assert response.status_code == 409 and response.json()["status"] == "received"
    assert RequestEvent.objects.filter(request_id=pk).count() == before
    assert post(client, url("accept")).json()["status"] == "accepted"
    assert post(client, url("refer"), {"department": "nope"}).status_code == 400
    assert (
        post(client, url("refer"), {"department": "410100-police"}).json()["status"] == "referred"
    )
    login_as(client, "police_liaison")
    listed = [r["id"] for r in client.get(reverse("api:requests-list")).json()["results"]]
    assert listed == [pk]
    assert post(client, url("start")).json()["status"] == "in_progress"
    assert post(client, url("resolve"), {"result": ""}).status_code == 409
    assert (
        post(client, url("resolve"), {"result": "已介绍到清真餐馆"}).json()["status"] == "resolved"
    )
    assert post(client, url("close")).status_code == 409  # the follow-up call comes first
    login_as(client, "street_officer")
    assert post(client, url("follow-up"), {"satisfaction": 9}).status_code == 400
    assert (
        post(client, url("follow-up"), {"satisfaction": 4, "comment": "较满意"}).json()["status"]
        == "followed_up"
    )
    assert post(client, url("close")).json()["status"] == "closed"
    assert post(client, url("reopen")).json()["status"] == "accepted"


@pytest.mark.django_db
def test_liaison_sees_only_its_departments_requests_and_others_get_404(client):
    login_as(client, "street_officer")
    pk = new_request(client).json()["id"]
    login_as(client, "police_liaison")
    assert client.get(reverse("api:requests-list")).json()["results"] == []
    assert client.get(reverse("api:requests-detail", args=[pk])).status_code == 404
    assert post(client, reverse("api:requests-accept", args=[pk])).status_code == 404
    assert ServiceRequest.objects.get(pk=pk).status == "received"
    login_as(client, "grid_worker_a")
    assert post(client, reverse("api:requests-accept", args=[pk])).status_code == 404


@pytest.mark.django_db
def test_queues_filter_and_green_channel_first(client):
    login_as(client, "street_officer")
    ordinary = new_request(client).json()["id"]
    elderly = new_request(client, green_channel="elderly").json()["id"]
    ids = [
        r["id"]
        for r in client.get(reverse("api:requests-list"), {"status": "received"}).json()["results"]
    ]
    assert set(ids) == {ordinary, elderly}
    # Open ones first, green channel before the nearest deadline; finished ones after them,
    # newest first.
    refused = new_request(client).json()["id"]
    post(client, reverse("api:requests-reject", args=[refused]), {"note": "不属于受理范围"})
    ordered = [
        r["id"]
        for r in client.get(reverse("api:requests-list"), {"limit": 500}).json()["results"]
        if r["id"] in {ordinary, elderly, refused}
    ]
    assert ordered == [elderly, ordinary, refused]
    assert client.get(reverse("api:requests-list"), {"overdue": "true"}).json()["results"] == []
    assert client.get(reverse("api:requests-list"), {"category": "medical"}).json()["results"] == []


@pytest.mark.django_db
def test_my_inbox_holds_what_i_received_or_my_department_handles(client):
    login_as(client, "street_officer")
    mine = new_request(client).json()["id"]
    login_as(client, "district_officer")
    theirs = new_request(client).json()["id"]
    login_as(client, "street_officer")
    page = client.get(reverse("services:request_list"), {"queue": "mine"}).content.decode()
    assert f"/services/requests/{mine}/" in page and f"/services/requests/{theirs}/" not in page


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.mark.django_db
def test_an_unknown_filter_value_is_named_and_never_widens_the_queue_or_its_export(client):
    """A queue no tab offers was ignored: the page listed, and the export wrote, every
    request in scope, finished ones too; an unknown category, department or unit (the
    dashboards' links) listed nothing without a word why."""
    login_as(client, "street_officer")
    created = new_request(client).json()
    employment = created["id"]
    for wrong in (
        {"queue": "everything"},
        {"queue": "所有"},
        {"queue": "all", "category": "nope"},
        {"queue": "all", "department": "nope"},
        {"queue": "all", "unit": "999999"},
    ):
        page = client.get(reverse("services:request_list"), wrong).content.decode()
        assert "值无效" in page and f"/services/requests/{employment}/" not in page, wrong
        export = client.get(reverse("services:request_export"), {**wrong, "format": "csv"})
        assert export.status_code == 400 and "值无效" in _text(export), wrong
    page = client.get(reverse("services:request_list"), {"queue": "everything"}).content.decode()
    assert "筛选条件“队列”的值无效：everything" in page
    for wrong in ({"status": "bogus"}, {"overdue": "yes"}, {"category": "nope"}):
        api = client.get(reverse("api:requests-list"), wrong)
        assert api.status_code == 400 and "值无效" in api.json()[next(iter(wrong))][0], wrong
    # A known value still narrows, on the page and in the export.
    for category, listed in (("employment", True), ("medical", False)):
        query = {"queue": "all", "category": category}
        page = client.get(reverse("services:request_list"), query).content.decode()
        assert "值无效" not in page, category
        assert (f"/services/requests/{employment}/" in page) is listed, category
        export = client.get(reverse("services:request_export"), {**query, "format": "csv"})
        assert export.status_code == 200 and (created["number"] in _text(export)) is listed
