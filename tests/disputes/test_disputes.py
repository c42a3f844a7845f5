"""Dispute cases: "involves ethnic factors" and its second, senior reviewer; mediation to a
result and follow-up; escalation to an incident that reaches the district and city at once;
statistics with resolution rate and time."""

import logging
from datetime import date, datetime

import pytest
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.roles import Role
from tongxin.audit.models import AuditEvent
from tongxin.disputes import metrics, services
from tongxin.disputes.models import Dispute, Incident, Status
from tongxin.services.models import Notification

from .helpers import COMMUNITIES, STREET, TZ, account, community_officer, dispute, street_officer

REASON = "双方因饮食禁忌发生冲突，纠纷起因涉及民族风俗习惯。"


@pytest.mark.django_db
def test_ethnic_factors_default_to_no_and_need_a_written_reason():
    officer = community_officer(1)
    ordinary = dispute(officer, COMMUNITIES[0])
    assert (ordinary.involves_ethnic_factors, ordinary.ethnic_review) == (False, "")
    with pytest.raises(services.DisputeError, match="须写明事实依据（至少 10 个字）"):
        dispute(officer, COMMUNITIES[0], involves_ethnic_factors=True, ethnic_factors_reason="")
    with pytest.raises(services.DisputeError, match="至少 10 个字"):
        services.ethnic_factors_set(actor=officer, dispute=ordinary, reason="涉及民族")
    assert Dispute.objects.filter(unit__code=COMMUNITIES[0]).count() == 1
    ordinary.refresh_from_db()
    assert ordinary.ethnic_review == ""


NOT_SENIOR = "复核须由纠纷所属单位和认定人所在单位的上级人员进行"


@pytest.mark.django_db
def test_second_reviewer_rule():
    community = community_officer(1)
    street_a, street_b = street_officer("street_a"), street_officer("street_b")
    district = User.objects.get(username="district_officer")

    # Set by the community, confirmed by the street (the level above); the street is told.
    case = dispute(
        community, COMMUNITIES[0], involves_ethnic_factors=True, ethnic_factors_reason=REASON
    )
    assert (case.involves_ethnic_factors, case.ethnic_review, case.ethnic_set_by) == (
        True,
        "pending",
        community,
    )
    asked = Notification.objects.filter(kind="dispute_review", text__contains=case.number)
    assert sorted(asked.values_list("user__username", flat=True)) == ["street_a", "street_b"]
    with pytest.raises(services.DisputeError, match="没有复核涉民族因素认定的权限"):
        services.ethnic_factors_review(actor=community, dispute=case, confirm=True)
    services.ethnic_factors_review(actor=street_a, dispute=case, confirm=True, note="属实")
    case.refresh_from_db()
    assert (case.ethnic_review, case.ethnic_reviewed_by, case.involves_ethnic_factors) == (
        "confirmed",
        street_a,
        True,
    )

    # Set by a street officer on a community's case: neither the setter nor a colleague at
    # the same street may confirm; the district is asked and may.
    second = dispute(street_a, COMMUNITIES[1])
    services.ethnic_factors_set(actor=street_a, dispute=second, reason=REASON)
    assert [u.username for u in services.senior_reviewers(second)] == ["district_officer"]
    with pytest.raises(services.DisputeError, match="复核须由认定人以外的另一名上级人员进行"):
        services.ethnic_factors_review(actor=street_a, dispute=second, confirm=True)
    with pytest.raises(services.DisputeError, match=NOT_SENIOR):
        services.ethnic_factors_review(actor=street_b, dispute=second, confirm=True)
    second.refresh_from_db()
    assert second.ethnic_review == "pending" and second.ethnic_reviewed_by is None
    services.ethnic_factors_review(actor=district, dispute=second, confirm=True)
    second.refresh_from_db()
    assert (second.ethnic_review, second.ethnic_reviewed_by) == ("confirmed", district)

    # A street-level case needs the district: the other street officer is not senior enough.
    third = dispute(street_a, STREET)
    services.ethnic_factors_set(actor=street_a, dispute=third, reason=REASON)
    assert [u.username for u in services.senior_reviewers(third)] == ["district_officer"]
    with pytest.raises(services.DisputeError, match=NOT_SENIOR):
        services.ethnic_factors_review(actor=street_b, dispute=third, confirm=True)
    with pytest.raises(services.DisputeError, match="请写明复核意见"):
        services.ethnic_factors_review(actor=district, dispute=third, confirm=False)
    services.ethnic_factors_review(
        actor=district, dispute=third, confirm=False, note="系一般经济纠纷，按事实定性。"
    )
    third.refresh_from_db()
    assert (third.involves_ethnic_factors, third.ethnic_review) == (False, "rejected")
    assert third.ethnic_factors_reason == REASON  # kept in the record
    with pytest.raises(services.DisputeError, match="没有待复核"):
        services.ethnic_factors_review(actor=district, dispute=third, confirm=True)
    told = Notification.objects.get(user=street_a, text__contains=third.number)
    assert told.text == f"矛盾纠纷 {third.number} 涉及民族因素的认定未予确认，按一般矛盾纠纷调处。"
    assert [e.action for e in third.events.all()] == [
        "create",
        "ethnic_set",
        "ethnic_rejected",
    ]


@pytest.mark.django_db
def test_a_flag_set_by_the_district_needs_the_city_and_at_the_city_a_colleague():
    community = community_officer(1)
    street = street_officer("street_a")
    district = User.objects.get(username="district_officer")
    district_b = account("district_b", "410104", Role.BUREAU_OFFICER)
    city = User.objects.get(username="city_admin")
    city_b = account("city_b", "410100", Role.BUREAU_OFFICER)

    # The district set it on a community's case: the street below and a district colleague
    # are refused, the city decides.
    case = dispute(community, COMMUNITIES[0])
    services.ethnic_factors_set(actor=district, dispute=case, reason=REASON)
    assert sorted(u.username for u in services.senior_reviewers(case)) == ["city_admin", "city_b"]
    for peer_or_below in (street, district_b):
        with pytest.raises(services.DisputeError, match=NOT_SENIOR):
            services.ethnic_factors_review(actor=peer_or_below, dispute=case, confirm=True)
    case.refresh_from_db()
    assert case.ethnic_review == "pending"
    services.ethnic_factors_review(actor=city, dispute=case, confirm=True)
    case.refresh_from_db()
    assert (case.ethnic_review, case.ethnic_reviewed_by) == ("confirmed", city)

    # The city is the top of the jurisdiction: nobody is above it, so another officer of the
    # city confirms what a city officer set, and nobody below it may.
    top = dispute(community, COMMUNITIES[0])
    services.ethnic_factors_set(actor=city, dispute=top, reason=REASON)
    assert [u.username for u in services.senior_reviewers(top)] == ["city_b"]
    with pytest.raises(services.DisputeError, match=NOT_SENIOR):
        services.ethnic_factors_review(actor=district, dispute=top, confirm=True)
    with pytest.raises(services.DisputeError, match="认定人以外"):
        services.ethnic_factors_review(actor=city, dispute=top, confirm=True)
    services.ethnic_factors_review(actor=city_b, dispute=top, confirm=True)
    top.refresh_from_db()
    assert (top.ethnic_review, top.ethnic_reviewed_by) == ("confirmed", city_b)


@pytest.mark.django_db
def test_two_reviewers_at_once_cannot_both_decide():
    community = community_officer(1)
    street_a, street_b = street_officer("street_a"), street_officer("street_b")
    case = dispute(
        community, COMMUNITIES[0], involves_ethnic_factors=True, ethnic_factors_reason=REASON
    )
    stale = Dispute.objects.get(pk=case.pk)
    services.ethnic_factors_review(actor=street_a, dispute=case, confirm=True)
    with pytest.raises(services.DisputeError):
        services.ethnic_factors_review(actor=street_b, dispute=stale, confirm=False, note="否")
    case.refresh_from_db()
    assert (case.ethnic_review, case.ethnic_reviewed_by) == ("confirmed", street_a)


@pytest.mark.django_db
def test_mediation_to_agreement_follow_up_and_reopening():
    officer = community_officer(1)
    case = dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 10))
    assert case.status == Status.OPEN
    with pytest.raises(services.DisputeError, match="结案后才能回访"):
        services.follow_up_add(
            actor=officer,
            dispute=case,
            on=date(2026, 3, 20),
            method="电话",
            honoured="yes",
            note="好",
        )
    services.session_add(
        actor=officer,
        dispute=case,
        held_on=date(2026, 3, 12),
        mediators="人民调解员",
        participants="双方当事人",
        interpreter="维吾尔语志愿者",
        outcome="双方同意协商。",
    )
    case.refresh_from_db()
    assert case.status == Status.MEDIATING
    with pytest.raises(services.DisputeError, match="请填写协议主要内容"):
        services.dispute_conclude(actor=officer, dispute=case, result="agreement")
    services.dispute_conclude(
        actor=officer, dispute=case, result="agreement", note="房东退还押金 2500 元。"
    )
    case.refresh_from_db()
    assert (case.status, case.result, case.resolved) == ("concluded", "agreement", True)
    with pytest.raises(services.DisputeError, match="已结案的纠纷不能再添加调解记录"):
        services.session_add(
            actor=officer, dispute=case, held_on=date(2026, 3, 13), mediators="x", outcome="y"
        )
    with pytest.raises(services.DisputeError, match="该纠纷已结案"):
        services.dispute_conclude(actor=officer, dispute=case, result="withdrawn")
    services.follow_up_add(
        actor=officer,
        dispute=case,
        on=date(2026, 3, 25),
        method="电话回访",
        honoured="no",
        note="房东未按约退款。",
    )
    with pytest.raises(services.DisputeError, match="请说明重新调解的原因"):
        services.dispute_reopen(actor=officer, dispute=case, reason=" ")
    services.dispute_reopen(actor=officer, dispute=case, reason="协议未履行")
    case.refresh_from_db()
    assert (case.status, case.result, case.concluded_at) == ("mediating", "", None)
    assert [e.action for e in case.events.all()] == [
        "create",
        "session",
        "conclude",
        "follow_up",
        "reopen",
    ]
    assert (
        AuditEvent.objects.filter(object_type="disputes.dispute", object_id=str(case.pk)).count()
        == 5
    )


@pytest.mark.django_db
def test_what_a_dispute_may_not_be():
    officer = community_officer(1)
    with pytest.raises(services.DisputeError, match="不在您的管理范围内"):
        dispute(officer, COMMUNITIES[1])
    with pytest.raises(services.DisputeError, match="发现日期不能晚于今天"):
        dispute(officer, COMMUNITIES[0], found_on=date(2999, 1, 1))
    with pytest.raises(services.DisputeError, match="至少填写一方当事人"):
        dispute(officer, COMMUNITIES[0], parties=[])
    leader = User.objects.get(username="leader")
    with pytest.raises(services.DisputeError, match="没有登记矛盾纠纷的权限"):
        dispute(leader, COMMUNITIES[0])


@pytest.mark.django_db
def test_escalation_to_an_incident_notifies_district_and_city_at_once(
    django_capture_on_commit_callbacks, caplog
):
    officer = community_officer(1)
    street = street_officer()
    case = dispute(officer, COMMUNITIES[0], kind="business", place="夜市")
    before = set(Notification.objects.values_list("pk", flat=True))
    with caplog.at_level(logging.WARNING, logger="tongxin.disputes.services"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            incident = services.dispute_escalate(
                actor=officer,
                dispute=case,
                severity="larger",
                summary="二十余名摊主聚集。",
                people_involved=23,
            )
    assert len(callbacks) == 1
    assert f"突发事件上报 {incident.number}" in caplog.text
    new = Notification.objects.exclude(pk__in=before)
    assert sorted(new.values_list("user__username", flat=True)) == sorted(
        ["city_admin", "district_officer", "leader", street.username]
    )
    assert new.first().text == (
        f"突发事件 {incident.number}（较大）：南顺城街社区居委会 夜市，二十余名摊主聚集。"
    )
    assert new.first().url == f"/disputes/incidents/{incident.pk}/"
    assert (incident.dispute, incident.people_involved, incident.unit_path) == (
        case,
        23,
        COMMUNITIES[0],
    )
    with pytest.raises(services.DisputeError, match="已升级为突发事件"):
        services.dispute_escalate(actor=officer, dispute=case, severity="general", summary="再次")
    services.incident_update(actor=officer, incident=incident, measures="现场劝导。", close=True)
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_at is not None
    with pytest.raises(services.DisputeError, match="已处置完毕"):
        services.incident_update(actor=officer, incident=incident, measures="补充")


@pytest.mark.django_db
def test_statistics_by_kind_with_resolution_rate_and_time():
    officer, street = community_officer(1), street_officer()
    cases = [
        dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 1), kind="rental"),
        dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 2), kind="rental"),
        dispute(officer, COMMUNITIES[0], found_on=date(2026, 3, 3), kind="rental"),
        dispute(
            officer,
            COMMUNITIES[0],
            found_on=date(2026, 4, 1),
            kind="wages",
            involves_ethnic_factors=True,
            ethnic_factors_reason=REASON,
        ),
    ]
    for case, result, day in (
        (cases[0], "agreement", 5),
        (cases[1], "court", 12),
        (cases[2], "withdrawn", 30),
    ):
        services.dispute_conclude(actor=officer, dispute=case, result=result, note="结果")
        Dispute.objects.filter(pk=case.pk).update(
            concluded_at=datetime(2026, 3, day, 15, tzinfo=TZ)
        )
    services.ethnic_factors_review(actor=street, dispute=cases[3], confirm=True)
    services.dispute_escalate(actor=officer, dispute=cases[3], severity="general", summary="聚集")
    disputes = Dispute.objects.filter(unit_path__startswith=STREET)
    rows = {r.key: r for r in metrics.dispute_statistics(disputes, "kind", STREET)}
    rental, wages, total = rows["rental"], rows["wages"], rows[""]
    assert (rental.label, rental.total, rental.done, rental.resolved) == ("房屋租赁纠纷", 3, 3, 2)
    assert rental.resolution_rate == 2 / 3
    assert (rental.mean_days, rental.median_days) == (41 / 3, 10)  # 4, 10 and 27 days
    assert (wages.total, wages.resolved, wages.mean_days, wages.counts["ethnic_confirmed"]) == (
        1,
        0,
        None,
        1,
    )
    assert (total.total, total.counts["ethnic_set"], total.counts["escalated"]) == (4, 1, 1)
    months = {r.key: r.total for r in metrics.dispute_statistics(disputes, "month", STREET)}
    assert months == {"2026-03": 3, "2026-04": 1, "": 4}
    units = [(r.label, r.total) for r in metrics.dispute_statistics(disputes, "unit", STREET)]
    assert units == [("南顺城街社区居委会", 4), ("", 4)]
    assert Incident.objects.filter(dispute=cases[3]).count() == 1


@pytest.mark.django_db
def test_grid_workers_see_the_disputes_of_their_grid_only():
    from tongxin.accounts.scoping import scoped
    from tongxin.geo.models import Unit

    grid = Unit.objects.filter(parent__code=COMMUNITIES[0]).order_by("code").first()
    worker = account("grid_x", grid.code, Role.GRID_WORKER, scope="unit")
    other = account(
        "grid_y",
        Unit.objects.filter(parent__code=COMMUNITIES[0]).order_by("code")[1].code,
        Role.GRID_WORKER,
        scope="unit",
    )
    case = services.dispute_create(
        actor=worker,
        unit=grid.parent,
        grid=grid,
        kind="neighbourhood",
        place="楼道",
        occurred_on=date(2026, 3, 1),
        found_on=date(2026, 3, 1),
        facts="噪音。",
        parties=[services.PartyInput(name="李某", role="applicant")],
    )
    assert (case.unit.code, case.unit_path) == (COMMUNITIES[0], grid.code)
    assert list(scoped(worker, Dispute.objects.all())) == [case]
    assert list(scoped(other, Dispute.objects.all())) == []
    assert scoped(community_officer(1), Dispute.objects.filter(pk=case.pk)).exists()
    assert timezone.localdate() >= date(2026, 3, 1)
