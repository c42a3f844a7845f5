"""Demo screening and mediation for the demo street 北下街街道: the reports of three months
(one community missed one), six disputes at various steps — one said to involve ethnic
factors and waiting for the street's review, one escalated to an incident. The month just
past is left for the demo users to file. Deterministic for a seed (dates relative to today)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.geo.models import Level, Unit
from tongxin.registry.models import Person

from . import services
from .models import Dispute, ScreeningRule
from .selectors import months_back

STREET = "410104001"  # 北下街街道 (registry.demo.STREET)

# (community index, months before the current one, kind, place, facts, parties, steps)
CASES = [
    (
        0,
        4,
        "wages",
        "管城回族区某建筑工地",
        "务工人员反映工地拖欠两个月工资共计一万二千元，与包工头协商未果。",
        [("applicant", "", "务工人员"), ("respondent", "某建筑劳务公司", "用人单位")],
        ["session", "agreement", "follow_up"],
    ),
    (
        1,
        3,
        "rental",
        "北下街社区 12 号院",
        "租户提前退租，房东以损坏家具为由扣留押金三千元，双方各执一词。",
        [("applicant", "马某", "租户"), ("respondent", "王某", "房东")],
        ["session"],
    ),
    (
        0,
        3,
        "consumer",
        "新华社区商业街某餐馆",
        "顾客预订宴席时约定提供清真餐食，餐馆未按约定准备，顾客要求退还定金并赔偿。",
        [("applicant", "", "顾客"), ("respondent", "某餐馆", "经营者")],
        ["ethnic", "session"],
    ),
    (
        4,
        4,
        "neighbourhood",
        "西昌社区 3 号楼",
        "楼上住户装修噪声影响楼下住户休息，多次争吵。",
        [("applicant", "李某", "楼下住户"), ("respondent", "艾某", "楼上住户")],
        ["withdrawn"],
    ),
    (
        2,
        2,
        "business",
        "管城街夜市",
        "两家烧烤摊因摊位边界和排烟问题发生争执，一方要求赔偿营业损失。",
        [("applicant", "阿某", "摊主"), ("respondent", "张某", "摊主")],
        ["session", "court"],
    ),
    (
        0,
        2,
        "business",
        "新华社区农贸市场",
        "市场管理方调整摊位引发十余名摊主聚集，要求恢复原摊位。",
        [("applicant", "摊主代表", "摊主"), ("respondent", "某市场管理公司", "市场管理方")],
        ["escalate", "session", "agreement"],
    ),
]
MISSING = (3, 3)  # 代书胡同社区 did not file the report of three months ago


def _at(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def load_demo_disputes(*, seed: int, password: str = "") -> int:
    """Returns the number of disputes created (0 when the demo street has some already)."""
    street = Unit.objects.filter(code=STREET).first()
    if street is None or Dispute.objects.filter(unit_path__startswith=STREET).exists():
        return 0
    rng = random.Random(seed)
    communities = list(
        Unit.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:7]
    )
    officer = User.objects.filter(username="community_officer").first()
    street_officer = User.objects.filter(username="street_officer").first()
    if not communities or officer is None or street_officer is None:
        return 0
    today = timezone.localdate()
    months = months_back(today, 5)[:-1]  # four months before the current one, oldest first
    with transaction.atomic():
        if not ScreeningRule.objects.exists():
            # The demo city started using the system four months ago.
            services.rule_update(
                actor=None, deadline_working_day=5, reminder_working_days=2, starts_on=months[0]
            )
        created = []
        for index, back, kind, place, facts, parties, steps in CASES:
            community = communities[index % len(communities)]
            actor = officer if officer.unit_id == community.pk else street_officer
            month = months[4 - back]
            found_on = month + timedelta(days=rng.randint(2, 24))
            person = (
                Person.objects.filter(unit_path__startswith=community.path, present=True)
                .order_by("pk")
                .first()
            )
            party_inputs = [
                services.PartyInput(
                    name=name or (person.name if person else "买买提·艾力"),
                    role=role,
                    person=person if not name and person else None,
                    description=description,
                    interpreter_needed=not name,
                )
                for role, name, description in parties
            ]
            ethnic = "ethnic" in steps
            dispute = services.dispute_create(
                actor=actor,
                unit=community,
                kind=kind,
                place=place,
                occurred_on=found_on - timedelta(days=rng.randint(0, 3)),
                found_on=found_on,
                facts=facts,
                parties=party_inputs,
                risk_level="medium" if "escalate" in steps else "low",
                involves_ethnic_factors=ethnic,
                ethnic_factors_reason="当事人认为餐馆不尊重其饮食习惯，纠纷起因涉及清真饮食风俗。"
                if ethnic
                else "",
            )
            day = found_on
            for step in steps:
                day = min(day + timedelta(days=rng.randint(1, 6)), today)
                if step == "session":
                    services.session_add(
                        actor=actor,
                        dispute=dispute,
                        held_on=day,
                        place=f"{community.name}人民调解室",
                        mediators=f"{community.name}人民调解委员会调解员、民族团结联络员",
                        participants="双方当事人",
                        interpreter="维吾尔语志愿者" if person else "",
                        outcome="双方陈述了各自诉求，调解员讲解了相关法律规定，约定再次协商。",
                    )
                elif step in ("agreement", "court", "withdrawn"):
                    services.dispute_conclude(
                        actor=actor,
                        dispute=dispute,
                        result=step,
                        note={
                            "agreement": "双方达成调解协议，约定一周内履行完毕。",
                            "court": "调解不成，已告知当事人向管城回族区人民法院起诉。",
                            "withdrawn": "双方自行和解，申请人撤回调解申请。",
                        }[step],
                    )
                    Dispute.objects.filter(pk=dispute.pk).update(concluded_at=_at(day, 16))
                elif step == "follow_up":
                    dispute.refresh_from_db()
                    services.follow_up_add(
                        actor=actor,
                        dispute=dispute,
                        on=day,
                        method="电话回访",
                        honoured="yes",
                        note="工资已全部结清，当事人表示满意。",
                    )
                elif step == "escalate":
                    services.dispute_escalate(
                        actor=actor,
                        dispute=dispute,
                        severity="general",
                        summary="十余名摊主在市场管理处聚集，经社区、街道和派出所现场劝导后散去。",
                        people_involved=12,
                        occurred_at=_at(found_on, 9),
                    )
            created.append((community, month))
        for community in communities:
            for back, month in zip((4, 3, 2, 1), months, strict=True):
                if back == 1 or (communities.index(community), back) == MISSING:
                    continue  # last month is left for the demo users
                has_disputes = Dispute.objects.filter(
                    unit=community, found_on__gte=month, found_on__lt=services.next_month(month)
                ).exists()
                actor = officer if officer.unit_id == community.pk else street_officer
                deadline = services.report_deadline(month)
                late = rng.random() < 0.1
                filed_on = (
                    deadline + timedelta(days=2)
                    if late
                    else deadline - timedelta(days=rng.randint(0, 3))
                )
                services.report_file(
                    actor=actor,
                    unit=community,
                    period=month,
                    is_zero=not has_disputes,
                    visits=rng.randint(20, 80),
                    notes="入户走访、商户摸排，召开楼院长座谈会。",
                    entered_at=_at(filed_on, 15) if filed_on < today else None,
                )
    return len(created)
