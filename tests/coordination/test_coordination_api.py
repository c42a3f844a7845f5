"""The tasks, inspections and meetings API: created by the office, worked on by assignees,
scoped like the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.coordination.models import ChecklistTemplate, JointMeeting, SupervisionTask

from ..conftest import login_as
from ..disputes.helpers import STREET, street_officer


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.mark.django_db
def test_a_task_through_the_api(client):
    street_officer()
    login_as(client, "district_officer")
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    created = post(
        client,
        reverse("api:tasks-list"),
        {
            "title": "排查",
            "description": "逐户排查",
            "due_date": due,
            "units": [STREET],
            "departments": ["410104-education"],
        },
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert [(a["assignee"], a["status"]) for a in data["assignments"]] == [
        ("管城回族区教育部门", "assigned"),
        ("西大街街道", "assigned"),
    ]
    unknown = post(
        client,
        reverse("api:tasks-list"),
        {"title": "x", "description": "y", "due_date": due, "units": ["999999999"]},
    )
    assert unknown.status_code == 400
    street_assignment = data["assignments"][1]["id"]

    login_as(client, "xidajie")
    listed = client.get(reverse("api:tasks-list")).json()["results"]
    mine = next(t for t in listed if t["id"] == data["id"])
    assert [a["assignee"] for a in mine["assignments"]] == ["西大街街道"]
    progress = post(
        client,
        reverse("api:tasks-progress", args=[data["id"]]),
        {"assignment": street_assignment, "note": "已排查一半", "percent": 50},
    )
    assert progress.status_code == 200
    assert progress.json()["assignments"][0]["status"] == "in_progress"
    other = data["assignments"][0]["id"]
    hidden = post(
        client, reverse("api:tasks-progress", args=[data["id"]]), {"assignment": other, "note": "x"}
    )
    assert hidden.status_code == 400 and hidden.json() == {"assignment": ["承办任务不存在。"]}
    submitted = post(
        client,
        reverse("api:tasks-submit", args=[data["id"]]),
        {"assignment": street_assignment, "note": "完成"},
    )
    assert submitted.json()["assignments"][0]["status"] == "submitted"
    refused = post(
        client,
        reverse("api:tasks-review", args=[data["id"]]),
        {"assignment": street_assignment, "approve": True},
    )
    assert refused.status_code == 403
    assert post(client, reverse("api:tasks-list"), {}).status_code == 403

    login_as(client, "district_officer")
    approved = post(
        client,
        reverse("api:tasks-review", args=[data["id"]]),
        {"assignment": street_assignment, "approve": True},
    )
    assert approved.status_code == 200
    assert approved.json()["assignments"][1]["status"] == "done"
    again = post(
        client,
        reverse("api:tasks-review", args=[data["id"]]),
        {"assignment": street_assignment, "approve": True},
    )
    assert again.status_code == 409
    assert SupervisionTask.objects.get(pk=data["id"]).status == "open"  # education still works


@pytest.mark.django_db
def test_an_inspection_and_a_meeting_through_the_api(client):
    login_as(client, "city_admin")
    template = ChecklistTemplate.objects.get(code="window_general")
    from tongxin.coordination.models import WindowUnit

    school = WindowUnit.objects.get(name="北下街小学")
    items = list(template.items.values_list("pk", flat=True))
    findings = [{"item": pk, "result": "pass"} for pk in items]
    findings[0] = {"item": items[0], "result": "fail", "note": "有拒绝服务的情况。"}
    created = post(
        client,
        reverse("api:inspections-list"),
        {
            "window_unit": school.pk,
            "template": "window_general",
            "inspected_on": "2026-03-02",
            "inspectors": "李某",
            "rectification_due": "2026-03-20",
            "findings": findings,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["round"], body["window_unit"]["name"]) == (
        "rectifying",
        1,
        "北下街小学",
    )
    assert [f["result"] for f in body["findings"]] == ["fail", "pass", "pass", "pass"]
    again = post(
        client,
        reverse("api:inspections-list"),
        {
            "previous": body["id"],
            "inspected_on": "2026-03-21",
            "inspectors": "李某",
            "findings": [{"item": items[0], "result": "pass"}],
        },
    )
    assert again.status_code == 201 and again.json()["status"] == "passed"
    listed = client.get(reverse("api:inspections-list"), {"kind": "school"}).json()["results"]
    assert body["id"] not in [i["id"] for i in listed]  # the re-inspected round is superseded
    assert again.json()["id"] in [i["id"] for i in listed]

    meeting = post(
        client,
        reverse("api:meetings-list"),
        {"title": "专题会议", "kind": "special", "date": "2026-03-03", "agenda": "研究就业培训。"},
    )
    assert meeting.status_code == 201
    assert len(meeting.json()["attendance"]) == 18  # the city's member departments
    login_as(client, "police_liaison")
    listed = client.get(reverse("api:meetings-list")).json()["results"]
    assert meeting.json()["id"] in [m["id"] for m in listed]
    assert post(client, reverse("api:meetings-list"), {}).status_code == 403
    assert JointMeeting.objects.filter(title="专题会议").count() == 1
