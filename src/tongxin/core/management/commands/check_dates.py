"""Dates stored outside the years the system accepts (`core.validators.CALENDAR_YEARS`).

Every date typed, sent or imported is within those years; a record stored before that rule
(or written by other means) with a date outside them cannot be saved from its form until the
date is corrected. Run this before deploying and after loading data by hand: it names each
model and field with such dates and the first ids, and exits non-zero if there are any.
Append-only tables (events, the audit log) are checked too but must not be edited: such a
date there says data reached the database around the system, to be looked into."""

from __future__ import annotations

from datetime import date, datetime

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone

from tongxin.core.validators import CALENDAR_YEARS

SHOWN_IDS = 10


class Command(BaseCommand):
    help = "List the stored dates outside the accepted years (1900–2999); non-zero if any."

    def handle(self, *args, **options):
        first, after = date(CALENDAR_YEARS.start, 1, 1), date(CALENDAR_YEARS.stop, 1, 1)
        zone = timezone.get_current_timezone()
        moments = (
            datetime(first.year, 1, 1, tzinfo=zone),
            datetime(after.year, 1, 1, tzinfo=zone),
        )
        outside = 0
        for model, fields in _date_fields():
            # One pass over each table (a million-person registry has six date columns).
            beyond = {
                field.name: models.Q(**{f"{field.name}__lt": low})
                | models.Q(**{f"{field.name}__gte": high})
                for field in fields
                for low, high in [
                    moments if isinstance(field, models.DateTimeField) else (first, after)
                ]
            }
            rows = model._base_manager.order_by()
            counts = rows.aggregate(
                **{name: models.Count("pk", filter=q) for name, q in beyond.items()}
            )
            for name, count in counts.items():
                if not count:
                    continue
                outside += count
                ids = rows.filter(beyond[name]).order_by("pk").values_list("pk", flat=True)
                shown = ", ".join(map(str, ids[:SHOWN_IDS])) + (" …" if count > SHOWN_IDS else "")
                self.stdout.write(f"{model._meta.label}.{name}: {count} 条（id {shown}）")
        if outside:
            raise CommandError(
                f"共 {outside} 个日期不在 {CALENDAR_YEARS.start}–{CALENDAR_YEARS.stop - 1} 年之间。"
                "可编辑的记录须先更正这些日期才能在表单中保存；事件、审计等只读记录不可修改，"
                "请查明其来源（多为绕过系统写入的数据）。"
            )
        self.stdout.write(f"所有日期都在 {CALENDAR_YEARS.start}–{CALENDAR_YEARS.stop - 1} 年之间。")


def _date_fields():
    """(model, its date and datetime fields) for the system's own tables; the change-history
    copies are left out (they record what was, and are never edited)."""
    for model in apps.get_models():
        if not model.__module__.startswith("tongxin.") or model.__name__.startswith("Historical"):
            continue
        # DateTimeField is a DateField too.
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DateField)]
        if fields:
            yield model, fields
