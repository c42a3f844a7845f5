"""Default checklists and assessment criteria (also seeded by migrations 0002 and 0003);
the bureau edits them afterwards. `ensure_defaults()` puts back missing ones (after a
database flush in browser tests, or for the demo)."""

from __future__ import annotations

ALL_WINDOWS = ""
CATERING_WINDOWS = "school,hospital,hotel,station,airport,scenic"

CHECKLISTS = [
    (
        "window_general",
        "窗口单位民族政策落实情况检查表",
        ALL_WINDOWS,
        [
            ("equal", "对少数民族群众一视同仁，无拒绝服务、歧视性规定或言行"),
            ("language", "配备或能及时联系民族语言翻译（维吾尔语、藏语等），有多语种服务指引"),
            ("publicity", "在显著位置张贴民族政策和民族团结进步宣传内容"),
            ("other", "公开少数民族群众求助、投诉渠道和联系方式"),
        ],
    ),
    (
        "catering",
        "清真餐饮供应和管理检查表",
        CATERING_WINDOWS,
        [
            ("halal", "为少数民族群众提供清真餐食，或有就近清真餐饮指引"),
            ("halal", "清真餐饮窗口标识规范，餐具、操作间与其他分开"),
            ("halal", "清真食品原料采购渠道合法、票证齐全"),
            ("equal", "工作人员了解少数民族饮食习惯和相关禁忌"),
        ],
    ),
    (
        "market",
        "市场和商户民族政策落实检查表",
        "market",
        [
            ("equal", "少数民族商户与其他商户同等办理摊位和证照"),
            ("halal", "清真食品经营者资格和清真标识使用规范"),
            ("language", "市场管理方能为少数民族商户提供政策咨询和翻译帮助"),
            ("publicity", "张贴民族团结和市场管理法规宣传"),
        ],
    ),
]

CRITERIA = [
    # code, name, points, metric, veto
    ("screening", "月度矛盾纠纷排查按时填报", "25", "screening", False),
    ("tasks", "督查督办事项按时办结", "25", "tasks", False),
    ("inspections", "窗口单位检查问题整改落实", "15", "inspections", False),
    ("registry", "少数民族流动人口信息采集和动态管理", "20", "manual", False),
    ("publicity", "民族团结进步宣传教育", "15", "manual", False),
    ("major_incident", "因工作不力发生重大影响事件（一票否决）", "0", "major_incident", True),
]


def ensure_defaults() -> None:
    from decimal import Decimal

    from .models import AssessmentCriterion, ChecklistItem, ChecklistTemplate

    for code, name, kinds, items in CHECKLISTS:
        template, created = ChecklistTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "kinds": kinds}
        )
        if created:
            ChecklistItem.objects.bulk_create(
                [
                    ChecklistItem(template=template, order=i, topic=topic, text=text)
                    for i, (topic, text) in enumerate(items, 1)
                ]
            )
    for order, (code, name, points, metric, veto) in enumerate(CRITERIA, 1):
        AssessmentCriterion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "max_score": Decimal(points),
                "metric": metric,
                "is_veto": veto,
                "order": order,
            },
        )
