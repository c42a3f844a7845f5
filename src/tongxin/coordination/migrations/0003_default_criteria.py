"""The default criteria of the annual assessment, with the veto for a major incident."""

from decimal import Decimal

from django.db import migrations

CRITERIA = [
    # code, name, points, metric, veto
    ("screening", "月度矛盾纠纷排查按时填报", "25", "screening", False),
    ("tasks", "督查督办事项按时办结", "25", "tasks", False),
    ("inspections", "窗口单位检查问题整改落实", "15", "inspections", False),
    ("registry", "少数民族流动人口信息采集和动态管理", "20", "manual", False),
    ("publicity", "民族团结进步宣传教育", "15", "manual", False),
    ("major_incident", "因工作不力发生重大影响事件（一票否决）", "0", "major_incident", True),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("coordination", "AssessmentCriterion")
    for order, (code, name, points, metric, veto) in enumerate(CRITERIA, 1):
        Criterion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "max_score": Decimal(points),
                "metric": metric,
                "is_veto": veto,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("coordination", "0002_default_checklists")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
