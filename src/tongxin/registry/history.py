"""Readable change history of a person: who changed what, when, why, old → new.

The person's own records and those of their stays (arrivals, moves, departures) make one
timeline: a move is a stay closed and the next opened, and the copies of the current stay
kept on the person (grid path, present, arrival) are told through the stays instead.
Records written together by one action (an import row: the person, the stay it closes and
the stay it opens) are shown as one entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from tongxin.core import crypto
from tongxin.geo.models import Unit

from .models import Person, Stay, mask_phone

# Derived (search keys, hashes) or told through the stays.
HIDDEN = {
    # Shown through their hashes, which change exactly when the value does (the masks and
    # ciphertexts do not: two numbers can share a mask, one number has many ciphertexts).
    "id_number_enc",
    "id_number_masked",
    "phone_enc",
    "pinyin_full",
    "pinyin_initials",
    "latin_key",
    "origin_province",
    "name_as_typed",
    "unit_path",
    "present",
    "arrival_date",
    "stay_reason",
    "created_by",
    "created_at",
}
STAY_HIDDEN = {"unit_path", "person", "created_by", "resident_since"}


@dataclass
class Change:
    at: datetime
    user: str
    reason: str
    kind: str
    # (label, old, new); old is None for a line that only states what was recorded.
    fields: list[tuple[str, str | None, str]] = field(default_factory=list)


def _label(model, name: str) -> str:
    if name == "phone_hash":
        return _("手机号码")
    if name == "id_number_hash":
        return _("证件号码")
    if name == "merged_into":
        return _("合并至档案")
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def _show(record, name: str, value, grids: dict[int, str]) -> str:
    if name == "phone_hash":
        # Masked as in every list: the page audits its reading, the history stays a diff.
        return mask_phone(crypto.decrypt(record.phone_enc)) if record.phone_enc else ""
    if name == "id_number_hash":
        return record.id_number_masked
    if name == "grid":
        return grids.get(value, str(value)) if value else ""
    if name in ("housing", "merged_into"):
        return f"#{value}" if value else ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    display = getattr(record, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    return "" if value is None else str(value)


def _diff(model, newer, older, hidden: set[str], grids: dict[int, str]) -> list:
    """Fields that read differently, non-editable ones included (simple_history's own diff
    skips those, the encrypted phone among them)."""
    lines = []
    for f in older.tracked_fields:
        before, after = getattr(older, f.attname), getattr(newer, f.attname)
        if f.name in hidden or before == after:
            continue
        old, new = _show(older, f.name, before, grids), _show(newer, f.name, after, grids)
        if old == new:  # a change the mask hides
            new = _("%(value)s（已更改）") % {"value": new}
        lines.append((_label(model, f.name), old, new))
    return lines


def _stay_opened(record, grids: dict[int, str]) -> tuple[str, None, str]:
    parts = [grids.get(record.grid_id, str(record.grid_id))]
    if record.address:
        parts.append(record.address)
    parts.append(_("来本地日期 %(d)s") % {"d": record.arrival_date.isoformat()})
    parts.append(record.get_reason_display())
    if record.departure_date:  # recorded after the fact (an import or the demo)
        parts.append(_("离开日期 %(d)s") % {"d": record.departure_date.isoformat()})
    label = _("辖区内迁入") if record.arrived_by_move else _("登记居住")
    return (label, None, "，".join(parts))


def _entries(records, kind, describe) -> list[Change]:
    """One entry per record of one object, each against the record before it."""
    entries = []
    for older, newer in zip([None, *records], records, strict=False):
        lines = describe(newer, older)
        if not lines and newer.history_type == "~":
            continue
        entries.append(
            Change(
                at=newer.history_date,
                user=newer.history_user.username if newer.history_user else _("系统"),
                reason=newer.history_change_reason or "",
                kind=kind(newer),
                fields=lines,
            )
        )
    return entries


def _merged_into(pk: int) -> int | None:
    return Person.objects.filter(pk=pk).values_list("merged_into", flat=True).first()


def change_history(person: Person, limit: int = 50) -> list[Change]:
    records = list(
        person.history.select_related("history_user").order_by("history_date", "history_id")
    )
    # By the stays' ids (the history table has no index on the person: only writes use
    # it): this person's stays, and those a merge moved to the record it went into. Only
    # the records made while a stay was this person's are theirs.
    owners, up = [person.pk], person.merged_into_id
    while up is not None and len(owners) < 5:
        owners.append(up)
        up = _merged_into(up)
    holders = dict(
        Stay.objects.filter(person__in=owners).order_by("pk").values_list("pk", "person_id")
    )
    records_of_stays = list(
        Stay.history.filter(id__in=list(holders))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    theirs = {r.id for r in records_of_stays if r.person_id == person.pk}
    # A stay this person holds with no record made while it was theirs (a merge before the
    # merge wrote one): its records as they are, rather than not at all.
    stay_records = [
        r
        for r in records_of_stays
        if r.person_id == person.pk or (holders[r.id] == person.pk and r.id not in theirs)
    ]
    grids = dict(
        Unit.objects.filter(pk__in={r.grid_id for r in stay_records}).values_list("pk", "name")
    )

    def person_lines(newer, older):
        return [] if older is None else _diff(Person, newer, older, HIDDEN, grids)

    def stay_lines(newer, older):
        if older is None or newer.history_type == "+":
            return [_stay_opened(newer, grids)]
        where = grids.get(newer.grid_id, "")
        return [
            (f"{where} · {label}", old, new)
            for label, old, new in _diff(Stay, newer, older, STAY_HIDDEN, grids)
        ]

    person_kinds = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
    stay_kinds = {"+": _("居住登记"), "~": _("居住登记变更"), "-": _("删除居住登记")}
    entries = _entries(records, lambda r: person_kinds[r.history_type], person_lines)
    by_stay: dict[int, list] = {}
    for record in stay_records:
        by_stay.setdefault(record.id, []).append(record)
    for own in by_stay.values():
        entries += _entries(own, lambda r: stay_kinds[r.history_type], stay_lines)
    return _grouped(entries)[:limit]


def _grouped(entries: list[Change]) -> list[Change]:
    """Newest first; the entries of one action (same moment, user and reason) merged, the
    person's lines before the stays'."""
    entries.sort(key=lambda e: e.at)
    merged: list[Change] = []
    for entry in entries:
        last = merged[-1] if merged else None
        if last and (last.at, last.user, last.reason) == (entry.at, entry.user, entry.reason):
            last.fields += entry.fields
            continue
        merged.append(entry)
    return merged[::-1]
