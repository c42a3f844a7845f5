"""The disputes pages as users see them: the phone form of the monthly report, registering
a dispute with a registered party, the reviewer's buttons, statistics."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.disputes.models import Dispute, ScreeningReport
from tongxin.registry.models import Person

from ..conftest import login_as
from .helpers import COMMUNITIES, community_officer, dispute, street_officer

REASON = "双方因饮食禁忌发生冲突，纠纷起因涉及民族风俗习惯。"


@pytest.mark.django_db
def test_the_report_form_offers_last_month_for_the_officers_own_community(client):
    community_officer(1)
    login_as(client, "community_1")
    page = client.get(reverse("disputes:screening_new")).content.decode()
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f'<option value="{last}" selected>' in page
    assert (
        f'<option value="{COMMUNITIES[0]}" selected>南顺城街社区居委会（{COMMUNITIES[0]}）</option>'
        in page
    )
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    response = client.post(
        reverse("disputes:screening_new"),
        {"unit": COMMUNITIES[0], "period": last, "is_zero": "on", "visits": "18"},
    )
    report = ScreeningReport.objects.get(unit__code=COMMUNITIES[0])
    assert response["Location"] == reverse("disputes:screening_detail", args=[report.pk])
    page = client.get(response["Location"]).content.decode()
    assert "零报告（本月排查未发现矛盾纠纷）" in page
    month = timezone.localdate().replace(day=1) - timedelta(days=1)
    # The month as the rest of the pages name it (it read 2026年09月, and so in English too).
    assert f"南顺城街社区居委会 {month.year}年{month.month}月 矛盾纠纷排查报告" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(response["Location"]).content.decode()
    assert f"{MONTHS.split()[month.month - 1]} {month.year}" in page


MONTHS = "January February March April May June July August September October November December"


@pytest.mark.django_db
def test_the_report_months_are_named_in_the_readers_language(client):
    community_officer(1)
    login_as(client, "community_1")
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    page = client.get(reverse("disputes:screening_new")).content.decode()
    assert f'<option value="{last:%Y-%m}" selected>{last.year}年{last.month}月</option>' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("disputes:screening_new")).content.decode()
    english = f"{MONTHS.split()[last.month - 1]} {last.year}"
    assert f'<option value="{last:%Y-%m}" selected>{english}</option>' in page


@pytest.mark.django_db
def test_registering_a_dispute_with_a_registered_party(client):
    login_as(client, "community_officer")
    person = Person.objects.filter(unit_path__startswith="410104001001", present=True).first()
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("disputes:dispute_new"),
        {
            "unit": "410104001001",
            "kind": "wages",
            "source": "party",
            "place": "某餐馆",
            "occurred_on": today,
            "found_on": today,
            "facts": "拖欠工资一个月。",
            "risk_level": "low",
            "p1-id_number": person.id_number,
            "p1-role": "applicant",
            "p2-name": "某餐馆",
            "p2-role": "respondent",
        },
    )
    case = Dispute.objects.order_by("-pk").first()
    assert response["Location"] == reverse("disputes:dispute_detail", args=[case.pk])
    assert [(p.name, p.person_id) for p in case.parties.all()] == [
        (person.name, person.pk),
        ("某餐馆", None),
    ]
    page = client.get(response["Location"]).content.decode()
    assert f'<a href="/registry/persons/{person.pk}/">{person.name}</a>' in page


@pytest.mark.django_db
def test_ethnic_factors_checked_without_a_reason_is_refused_on_the_page(client):
    login_as(client, "community_officer")
    before = Dispute.objects.count()
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("disputes:dispute_new"),
        {
            "unit": "410104001001",
            "kind": "other",
            "source": "screening",
            "place": "x",
            "occurred_on": today,
            "found_on": today,
            "facts": "y",
            "risk_level": "low",
            "involves_ethnic_factors": "on",
            "p1-name": "甲",
            "p1-role": "applicant",
            "p2-role": "respondent",
        },
    )
    assert response.status_code == 200
    assert "认定涉及民族因素须写明事实依据（至少 10 个字）。" in response.content.decode()
    assert Dispute.objects.count() == before


@pytest.mark.django_db
def test_the_setter_and_a_colleague_see_why_they_cannot_confirm_and_the_district_can(client):
    first = street_officer("street_a")
    street_officer("street_b")
    second = User.objects.get(username="district_officer")
    case = dispute(first, COMMUNITIES[0])
    from tongxin.disputes import services

    services.ethnic_factors_set(actor=first, dispute=case, reason=REASON)
    url = reverse("disputes:dispute_detail", args=[case.pk])
    login_as(client, "street_a")
    page = client.get(url).content.decode()
    assert (
        '<p class="small text-muted mb-0" id="review-refusal">复核须由认定人以外的另一名上级人员进行。</p>'
        in page
    )
    client.post(url, {"action": "review_confirm"})
    case.refresh_from_db()
    assert case.ethnic_review == "pending"
    login_as(client, "street_b")
    page = client.get(url).content.decode()
    assert 'id="review-form"' not in page
    assert (
        "复核须由纠纷所属单位和认定人所在单位的上级人员进行（街道认定的由区县及以上复核）。" in page
    )
    client.post(url, {"action": "review_confirm", "note": "属实"})
    case.refresh_from_db()
    assert case.ethnic_review == "pending"
    login_as(client, "district_officer")
    assert 'id="review-form"' in client.get(url).content.decode()
    client.post(url, {"action": "review_confirm", "note": "属实"})
    case.refresh_from_db()
    assert (case.ethnic_review, case.ethnic_reviewed_by) == ("confirmed", second)


@pytest.mark.django_db
def test_statistics_page_for_the_street(client):
    officer = community_officer(1)
    street_officer()
    concluded = dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 1))
    from tongxin.disputes import services

    services.dispute_conclude(actor=officer, dispute=concluded, result="withdrawn")
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 2))
    login_as(client, "xidajie")
    page = client.get(
        reverse("disputes:statistics"), {"from": "2026-03", "to": "2026-03", "by": "kind"}
    ).content.decode()
    assert '<th scope="row">房屋租赁纠纷</th>\n  <td>2</td><td>1</td><td>1</td><td>50%</td>' in page
    assert (
        'id="screening-stats"' in page
        and '<th scope="row">2026-03</th><td>6</td><td>0</td>' in page
    )


@pytest.mark.django_db
def test_a_malformed_or_reversed_period_is_said_not_silently_replaced(client):
    officer = community_officer(1)
    street_officer()
    dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 1))
    login_as(client, "xidajie")
    url = reverse("disputes:statistics")
    page = client.get(url, {"from": "2026-3x", "to": "2026-03", "by": "kind"}).content.decode()
    assert "“起始月份”的值无效：2026-3x，显示的是 2025-04。" in page
    assert '<th scope="row">房屋租赁纠纷</th>\n  <td>1</td>' in page
    # A start after the end showed no month at all; the twelve months to the end instead.
    page = client.get(url, {"from": "2026-05", "to": "2026-03"}).content.decode()
    assert "“起始月份”的值无效：2026-05，显示的是 2025-04。" in page
    assert 'value="2025-04"' in page and 'value="2026-03"' in page
    page = client.get(url, {"from": "2026-03", "to": "三月"}).content.decode()
    assert f"“截止月份”的值无效：三月，显示的是 {timezone.localdate():%Y-%m}。" in page
    assert "值无效" not in client.get(url).content.decode()  # the defaults, asked for nothing


@pytest.mark.django_db
def test_the_pages_speak_english_too(client):
    login_as(client, "street_officer")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    calendar = client.get(reverse("disputes:screening_calendar")).content.decode()
    assert "Monthly screening reports of" in calendar and "Not filed" in calendar
    cases = client.get(reverse("disputes:dispute_list")).content.decode()
    assert "Dispute cases" in cases and "Record a dispute" in cases
    tasks = client.get(reverse("coordination:task_list")).content.decode()
    assert "Supervision tasks" in tasks


@pytest.mark.django_db
def test_dispute_and_report_lists_take_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    officer = community_officer(1)
    for day in range(1, 21):
        dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, day))
    login_as(client, "community_1")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("disputes:dispute_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("api:disputes-list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("disputes:screening_list")).status_code == 200


@pytest.mark.django_db
def test_a_refused_step_keeps_what_was_typed(client):
    officer = community_officer(1)
    case = dispute(officer, COMMUNITIES[0])
    login_as(client, "community_1")
    url = reverse("disputes:dispute_detail", args=[case.pk])
    response = client.post(
        url,
        {
            "action": "session",
            "held_on": "2999-01-01",
            "mediators": "人民调解员",
            "outcome": "双方各让一步，约定下周再谈。",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "调解日期应在纠纷发生之后、今天之前。" in page
    assert 'name="mediators" value="人民调解员"' in page
    assert ">双方各让一步，约定下周再谈。</textarea>" in page
    assert case.sessions.count() == 0


@pytest.mark.django_db
def test_a_concluded_case_is_not_edited_until_reopened(client):
    from tongxin.disputes import services

    officer = community_officer(1)
    case = dispute(officer, COMMUNITIES[0])
    services.dispute_conclude(actor=officer, dispute=case, result="agreement", note="退还押金。")
    case.refresh_from_db()
    edit = {
        "kind": "wages",
        "place": "别处",
        "occurred_on": case.occurred_on,
        "facts": "改写的事实。",
        "risk_level": "high",
    }
    with pytest.raises(services.DisputeError, match="已结案的纠纷不能修改；如需更正，请先重新调解"):
        services.dispute_update(actor=officer, dispute=case, **edit)

    login_as(client, "community_1")
    detail = reverse("disputes:dispute_detail", args=[case.pk])
    assert 'id="dispute-edit"' not in client.get(detail).content.decode()
    url = reverse("disputes:dispute_edit", args=[case.pk])
    response = client.post(url, edit | {"occurred_on": case.occurred_on.isoformat()}, follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert "已结案的纠纷不能修改；如需更正，请先重新调解。" in response.content.decode()
    case.refresh_from_db()
    assert (case.kind, case.place, case.risk_level, case.status) == (
        "rental",
        "3 号院",
        "low",
        "concluded",
    )
    assert [e.action for e in case.events.all()] == ["create", "conclude"]

    services.dispute_reopen(actor=officer, dispute=case, reason="协议未履行")
    assert 'id="dispute-edit"' in client.get(detail).content.decode()
    client.post(url, edit | {"occurred_on": case.occurred_on.isoformat()})
    case.refresh_from_db()
    assert (case.kind, case.place, case.risk_level) == ("wages", "别处", "high")


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.mark.django_db
def test_an_unknown_filter_value_is_named_and_never_widens_the_lists_or_their_exports(client):
    """A status, kind, ethnic review or risk no select offers (typed into the address bar,
    an old link) was ignored: the list, and its export, held every case in scope."""
    officer = community_officer(1)
    rental = dispute(officer, COMMUNITIES[0])
    family = dispute(officer, COMMUNITIES[0], kind="family")
    login_as(client, "community_1")
    for url, wrong in (
        ("disputes:dispute_list", {"status": "bogus"}),
        ("disputes:dispute_list", {"kind": "租赁"}),
        ("disputes:dispute_list", {"ethnic": "yes"}),
        ("disputes:dispute_list", {"risk": "extreme", "kind": "rental"}),
        ("disputes:incident_list", {"status": "all"}),
    ):
        page = client.get(reverse(url), wrong).content.decode()
        assert "值无效" in page and rental.number not in page, (url, wrong)
        export = client.get(reverse(url.replace("_list", "_export")), {**wrong, "format": "csv"})
        assert export.status_code == 400 and "值无效" in _text(export), (url, wrong)
    page = client.get(reverse("disputes:dispute_list"), {"status": "bogus"}).content.decode()
    assert "筛选条件“状态”的值无效：bogus" in page
    api = client.get(reverse("api:disputes-list"), {"risk": "extreme"})
    assert api.status_code == 400 and api.json() == {
        "risk": ["筛选条件“风险等级”的值无效：extreme"]
    }
    # A known value still narrows, on the page, in the export and in the API.
    query = {"status": "open", "kind": "rental", "ethnic": "", "risk": "low"}
    page = client.get(reverse("disputes:dispute_list"), query).content.decode()
    assert "值无效" not in page and rental.number in page and family.number not in page
    export = _text(client.get(reverse("disputes:dispute_export"), {**query, "format": "csv"}))
    assert rental.number in export and family.number not in export
    api = client.get(reverse("api:disputes-list"), {"kind": "family"}).json()["results"]
    assert [d["number"] for d in api] == [family.number]


@pytest.mark.django_db
def test_a_refused_escalation_or_follow_up_keeps_the_level_head_count_and_choices(client):
    """After an error the incident must not go up as 一般 with 0 people."""
    from tongxin.disputes import services
    from tongxin.disputes.models import Incident

    officer = community_officer(1)
    case = dispute(officer, COMMUNITIES[0])
    login_as(client, "community_1")
    url = reverse("disputes:dispute_detail", args=[case.pk])
    escalate = {"action": "escalate", "severity": "major", "people_involved": "30"}
    page = client.post(url, escalate | {"summary": ""}).content.decode()
    assert "事件概况：" in page and not Incident.objects.filter(dispute=case).exists()
    assert '<option value="major" selected>' in page
    assert 'name="people_involved" inputmode="numeric" value="30"' in page
    page = client.post(
        url, escalate | {"people_involved": "三十", "summary": "聚集"}
    ).content.decode()
    assert "涉及人数：" in page and "请选择事件等级" not in page
    assert 'value="三十"' in page and '<option value="major" selected>' in page

    services.dispute_conclude(actor=officer, dispute=case, result="court")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    follow_up = {"action": "follow_up", "on": future, "method": "上门回访", "honoured": "no"}
    page = client.post(url, follow_up | {"note": "拒不履行"}).content.decode()
    assert "回访日期不能晚于今天。" in page and case.follow_ups.count() == 0
    assert f'name="on" value="{future}"' in page and 'name="method" value="上门回访"' in page
    assert '<option value="no" selected>' in page
