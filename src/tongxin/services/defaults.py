"""The default request categories and deadlines (also seeded by migration 0002)."""

from __future__ import annotations

DEFAULT_CATEGORIES = [
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


def ensure_default_categories() -> None:
    """Put back any default category that is missing (e.g. after a database flush)."""
    from .models import Category

    for code, name, days, hours in DEFAULT_CATEGORIES:
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "due_working_days": days, "due_hours": hours}
        )
