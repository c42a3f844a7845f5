"""The disputes API: ethnic factors without a reason answer 400, the reviewer rule is 403,
scoped lists, screening reports filed and filtered, mediation steps."""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEvent
from tongxin.disputes.models import Dispute, ScreeningReport

from ..conftest import login_as
from .helpers import COMMUNITIES, community_officer, street_officer


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def body(**extra):
    data = {
        "unit": COMMUNITIES[0],
        "kind": "consumer",
        "place": "商业街某餐馆",
        "occurred_on": "2026-03-02",
        "found_on": "2026-03-03",
        "facts": "顾客与餐馆因预订宴席的定金发生争执。",
        "parties": [
            {"name": "古丽", "role": "applicant"},
            {"name": "某餐馆", "role": "respondent"},
        ],
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_ethnic_factors_without_a_reason_answer_400_and_create_nothing(client):
    community_officer(1)
    login_as(client, "community_1")
    before = Dispute.objects.count()
    response = post(client, reverse("api:disputes-list"), body(involves_ethnic_factors=True))
    assert response.status_code == 400
    assert response.json() == {
        "ethnic_factors_reason": ["认定涉及民族因素须写明事实依据（至少 10 个字）。"]
    }
    short = post(
        client,
        reverse("api:disputes-list"),
        body(involves_ethnic_factors=True, ethnic_factors_reason="涉及"),
    )
    assert short.status_code == 400 and "ethnic_factors_reason" in short.json()
    assert Dispute.objects.count() == before


@pytest.mark.django_db
def test_create_then_review_by_the_setter_is_403_and_by_the_street_200(client):
    community_officer(1)
    street_officer("street_a")
    login_as(client, "community_1")
    created = post(
        client,
        reverse("api:disputes-list"),
        body(
            involves_ethnic_factors=True,
            ethnic_factors_reason="餐馆未按约定提供清真餐食，纠纷起因涉及饮食习惯。",
        ),
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (
        data["unit"],
        data["status"],
        data["ethnic_review"],
        data["involves_ethnic_factors"],
    ) == (
        COMMUNITIES[0],
        "open",
        "pending",
        True,
    )
    assert [p["name"] for p in data["parties"]] == ["古丽", "某餐馆"]
    review = reverse("api:disputes-review", args=[data["id"]])
    refused = post(client, review, {"confirm": True})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "您没有复核涉民族因素认定的权限。"}
    login_as(client, "street_a")
    confirmed = post(client, review, {"confirm": True, "note": "属实"})
    assert confirmed.status_code == 200 and confirmed.json()["ethnic_review"] == "confirmed"
    again = post(client, review, {"confirm": False, "note": "改"})
    assert again.status_code == 409 and again.json()["ethnic_review"] == "confirmed"


@pytest.mark.django_db
def test_sessions_conclude_and_409_after_conclusion(client):
    community_officer(1)
    login_as(client, "community_1")
    pk = post(client, reverse("api:disputes-list"), body()).json()["id"]
    session = post(
        client,
        reverse("api:disputes-sessions", args=[pk]),
        {"held_on": "2026-03-05", "mediators": "人民调解员", "outcome": "双方同意退还一半定金。"},
    )
    assert session.status_code == 201 and session.json()["status"] == "mediating"
    assert session.json()["sessions"][0]["mediators"] == "人民调解员"
    done = post(
        client, reverse("api:disputes-conclude", args=[pk]), {"result": "agreement", "note": "退还"}
    )
    assert done.status_code == 200 and done.json()["result"] == "agreement"
    late = post(
        client,
        reverse("api:disputes-sessions", args=[pk]),
        {"held_on": "2026-03-06", "mediators": "调解员", "outcome": "再次"},
    )
    assert late.status_code == 409 and late.json()["status"] == "concluded"


@pytest.mark.django_db
def test_lists_are_scoped_and_detail_reads_are_audited(client):
    community_officer(1)
    community_officer(2)
    login_as(client, "community_1")
    pk = post(client, reverse("api:disputes-list"), body()).json()["id"]
    listed = client.get(reverse("api:disputes-list"), {"kind": "consumer"}).json()
    assert [d["id"] for d in listed["results"]] == [pk]
    assert client.get(reverse("api:disputes-detail", args=[pk])).status_code == 200
    assert AuditEvent.objects.filter(
        action="read", object_type="disputes.dispute", object_id=str(pk)
    ).exists()
    login_as(client, "community_2")
    assert client.get(reverse("api:disputes-list"), {"kind": "consumer"}).json()["results"] == []
    assert client.get(reverse("api:disputes-detail", args=[pk])).status_code == 404
    outside = post(client, reverse("api:disputes-list"), body())
    assert outside.status_code == 400
    assert outside.json() == {"non_field_errors": ["该单位不在您的管理范围内。"]}


@pytest.mark.django_db
def test_screening_reports_filed_and_filtered_by_month(client):
    community_officer(1)
    login_as(client, "community_1")
    url = reverse("api:screening-reports-list")
    created = post(
        client,
        url,
        {
            "unit": COMMUNITIES[0],
            "period": "2026-03",
            "is_zero": True,
            "visits": 35,
            "filed_at": "2026-04-02T09:00:00+08:00",
            "paper_reason": "4月2日交纸质报告，系统账号当时未开通。",
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["paper_reason"] == "4月2日交纸质报告，系统账号当时未开通。"
    assert created.json()["entered_at"][:10] != "2026-04-02"  # the real entry time is kept
    assert {
        k: created.json()[k] for k in ("period", "is_zero", "disputes", "late", "deadline")
    } == {
        "period": "2026-03",
        "is_zero": True,
        "disputes": 0,
        "late": False,
        "deadline": "2026-04-08",
    }
    twice = post(client, url, {"unit": COMMUNITIES[0], "period": "2026-03", "is_zero": True})
    assert twice.status_code == 400
    assert twice.json() == {"non_field_errors": ["南顺城街社区居委会 2026-03 的排查报告已经填报。"]}
    listed = client.get(url, {"month": "2026-03"}).json()
    assert [r["unit"] for r in listed["results"]] == [COMMUNITIES[0]]
    assert client.get(url, {"month": "2026-02"}).json()["results"] == []
    assert ScreeningReport.objects.filter(unit__code=COMMUNITIES[0]).count() == 1
    assert date(2026, 3, 1) == ScreeningReport.objects.get(unit__code=COMMUNITIES[0]).period
