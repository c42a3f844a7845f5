"""The request categories and their deadlines in working days (configurable afterwards)."""

from django.db import migrations

DEFAULTS = [
    ("consultation", "政策咨询", 1, None),
    ("residence", "居住登记和居住证", 5, None),
    ("employment", "就业服务", 5, None),
    ("medical", "医疗卫生", 3, None),
    ("schooling", "子女入学", 10, None),
    ("housing", "住房保障", 15, None),
    ("legal_aid", "法律援助", 5, None),
    ("social_assistance", "社会救助", 5, None),
    ("family_planning", "婚育证明", 5, None),
    ("emergency", "急难救助", 1, 24),
    ("other", "其他", 10, None),
]


def seed(apps, schema_editor):
    Category = apps.get_model("services", "Category")
    for code, name, days, hours in DEFAULTS:
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "due_working_days": days, "due_hours": hours}
        )


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
