"""Readable change history of a person: who changed what, when, why, old → new."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .models import ENCRYPTED_FIELDS, Person

HIDDEN = {
    "id_number_hash",
    "phone_hash",
    "pinyin_full",
    "pinyin_initials",
    "latin_key",
    "origin_province",
    "name_as_typed",
}
SENSITIVE_LABEL = {"id_number_enc": "证件号码", "phone_enc": "手机号码"}


@dataclass
class Change:
    at: datetime
    user: str
    reason: str
    kind: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def _label(name: str) -> str:
    if name in SENSITIVE_LABEL:
        return SENSITIVE_LABEL[name]
    return str(getattr(Person._meta.get_field(name), "verbose_name", name))


def _show(record, name: str, value) -> str:
    if name in ENCRYPTED_FIELDS:
        return "（加密）" if value else ""
    display = getattr(record, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    return "" if value is None else str(value)


def change_history(person: Person, limit: int = 50) -> list[Change]:
    records = list(
        person.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    changes: list[Change] = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(changes) >= limit:
            break
        entry = Change(
            at=newer.history_date,
            user=newer.history_user.username if newer.history_user else "系统",
            reason=newer.history_change_reason or "",
            kind={"+": "新建", "~": "修改", "-": "删除"}[newer.history_type],
        )
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                if change.field in HIDDEN:
                    continue
                entry.fields.append(
                    (
                        _label(change.field),
                        _show(older, change.field, change.old),
                        _show(newer, change.field, change.new),
                    )
                )
            if not entry.fields and newer.history_type == "~":
                continue
        changes.append(entry)
    return changes
