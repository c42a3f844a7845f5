"""Bulk import of persons with their current stay (the police platform's export, community
ledgers, the standard template).

A row goes through the registry's own validation (`registry.validation`), is matched by
document number (never a second person for one document), and is written set-wise in
batches. Each batch commits together with the job's progress, so an interrupted import is
resumed by running it again: committed batches are skipped, nothing is written twice, no row
is lost. Unchanged rows write nothing. Rejected rows go to an error report with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.scoping import visible_units
from tongxin.audit.services import Action, audit_record
from tongxin.core import crypto
from tongxin.core.bulk import (
    BackgroundCheckpoints,
    Inserter,
    allocate_ids,
    analyze,
    drop_indexes,
    history_from_rows,
    ids_where_in,
    restore_indexes,
    update_rows,
)
from tongxin.core.cells import neutralise
from tongxin.geo.models import Level, Unit
from tongxin.registry.changes import COUNTED_PERSON_FIELDS, grids_changed, persons_changed
from tongxin.registry.fulltext import FullTextDeferred
from tongxin.registry.models import Person, Stay, mask_document
from tongxin.registry.search_keys import search_keys
from tongxin.registry.validation import clean_person, clean_stay

from .columns import (
    FIELD_LABELS,
    PERSON_CELLS,
    REQUIRED_FIELDS,
    STANDARD_MAPPING,
    STAY_CELLS,
    normalise_row,
)
from .fastprep import RowPreparer
from .models import ImportJob, ImportMapping, JobStatus
from .pipeline import PipelineError, parallel_available, prepared_in_child
from .readers import Formula, ReadError, Table, cell_text, open_table
from .xlsx_writer import BOLD, Properties, write_xlsx

BATCH_SIZE = int(os.environ.get("TONGXIN_IMPORT_BATCH", "5000"))
# A template field → the key its value is cleaned and reported under.
CELL_KEYS = {field: key for field, (key, _read) in {**PERSON_CELLS, **STAY_CELLS}.items()}
REPORT_CELLS_CHUNK = 5000  # rows' cells kept in memory at once for the report
# Files at least this large are prepared in a second process (it costs a fork and pays
# from a few thousand rows on).
PARALLEL_MIN_BYTES = int(os.environ.get("TONGXIN_IMPORT_PARALLEL_BYTES", str(1 << 20)))
# A file of this many rows (or, for XLSX, 20 MB) into an empty registry is a city's first
# load: the registry tables' secondary indexes are built once at the end (core.bulk).
FIRST_LOAD_MIN_ROWS = int(os.environ.get("TONGXIN_IMPORT_FIRST_LOAD_ROWS", "200000"))
# Fields a mapped (non-standard) layout must still provide.
ESSENTIAL_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "grid",
    "arrival_date",
    "reason",
]
# Person fields an import may set; anything else on the person is left as it is.
IMPORTED_PERSON_FIELDS = [
    "name",
    "name_as_typed",
    "sex",
    "birth_date",
    "ethnicity",
    "ethnicity_other",
    "id_type",
    "hukou_address",
    "origin_code",
    "occupation",
    "employer",
    "former_names",
    "latin_name",
]
FIELD_TO_PERSON = {"phone": ["phone"], "origin": ["origin_code"]}
logger = logging.getLogger(__name__)
PERSON_COLUMNS = [f.column for f in Person._meta.concrete_fields]
STAY_COLUMNS = [f.column for f in Stay._meta.concrete_fields]
# Where each value `Prepared.values()` gives sits in a prepared person row (no id: -1).
PERSON_POSITION_OF_VALUE = [
    (key, PERSON_COLUMNS.index(key) - 1)
    for key in [*IMPORTED_PERSON_FIELDS, "phone_enc", "phone_hash"]
]
STAY_PERSON = STAY_COLUMNS.index("person_id")
STAY_GRID = STAY_COLUMNS.index("grid_id")
STAY_ARRIVAL = STAY_COLUMNS.index("arrival_date")


class ImportError_(Exception):
    """The import cannot run (bad file, bad mapping); the message is in Chinese."""


@dataclass(slots=True)
class Prepared:
    """A valid row, ready to write: the new person's and the stay's table rows in column
    order (ids left out: the writer allocates them). Plain tuples cross from the preparation
    process cheaply; a row that meets a person already registered is compared through
    `values()` and `stay_values()`, rebuilt from them."""

    row: int
    id_type: str
    id_hash: str
    person: tuple
    stay: tuple

    def values(self) -> dict[str, Any]:
        """The person's imported fields (dates as dates), plus the phone's cipher and hash."""
        person = self.person
        out = {key: person[i] for key, i in PERSON_POSITION_OF_VALUE}
        if isinstance(out["birth_date"], str):
            out["birth_date"] = date.fromisoformat(out["birth_date"])
        return out

    def stay_values(self, grids_by_id: dict[int, Unit]) -> dict[str, Any]:
        stay = dict(zip(STAY_COLUMNS[1:], self.stay, strict=True))
        if isinstance(stay["arrival_date"], str):
            stay["arrival_date"] = date.fromisoformat(stay["arrival_date"])
        stay["grid"] = grids_by_id[stay["grid_id"]]
        return stay


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, list]] = field(default_factory=list)


def resolve_columns(headers: list[str], mapping: dict[str, str] | None) -> dict[int, str]:
    """Column index → field, from a saved mapping, then the standard template's headers: a
    source's file that has a standard column its saved mapping never saw (工作单位 beside
    the platform's own headers) still has it read, not skipped in silence."""
    columns: dict[int, str] = {}
    used: dict[str, str] = {}
    lookup = {**STANDARD_MAPPING, **mapping} if mapping else STANDARD_MAPPING
    for index, header in enumerate(headers):
        target = lookup.get(header, "")
        if not target or target == "ignore":
            continue
        if target in used:
            raise ImportError_(
                _("“%(a)s”和“%(b)s”两列都对应“%(f)s”，请修改列对应关系。")
                % {"a": used[target], "b": header, "f": FIELD_LABELS.get(target, target)}
            )
        used[target] = header
        columns[index] = target
    required = ESSENTIAL_FIELDS if mapping else REQUIRED_FIELDS
    missing = [FIELD_LABELS[f] for f in required if f not in used]
    if missing:
        raise ImportError_(_("缺少必需的列：%(cols)s。") % {"cols": "、".join(missing)})
    return columns


def known_headings(mapping: dict[str, str] | None) -> set[str]:
    """The headings a sheet of persons would have: the template's, and those a source's
    saved mapping imports (for choosing a workbook's sheet)."""
    saved = {h for h, field_name in (mapping or {}).items() if field_name not in ("", "ignore")}
    return set(STANDARD_MAPPING) | saved


def open_job_file(job: ImportJob) -> Table:
    """The job's file, and of a workbook the sheet chosen for it. (A job begun before
    sheets were chosen read the first: it goes on with that one.)"""
    known = known_headings(job.mapping) if job.sheet or not job.rows_done else ()
    return open_table(job.path, job.filename, sheet=job.sheet or None, known=known)


def remember_mapping(source: str, mapping: dict[str, str], user) -> None:
    """This file's choices added to what the source's earlier files saved: a file with
    fewer or other columns does not forget the headers it lacks."""
    with transaction.atomic():
        saved, _created = ImportMapping.objects.select_for_update().get_or_create(source=source)
        saved.mapping = {**saved.mapping, **mapping}
        saved.updated_by = user
        saved.save()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _reason_text(errors: dict[str, list[str]], problems: list[str]) -> str:
    """One reason for a row: its problems, each field named once, joined by "；" with one
    "。" at the end (not "…）。；性别：…")."""
    parts = [p.rstrip("。") for p in problems]
    for key, messages in errors.items():
        label = FIELD_LABELS.get(key) or FIELD_LABELS.get(
            {"origin_code": "origin"}.get(key, key), key
        )
        for message in messages:
            if key == NON_FIELD_ERRORS:
                parts.append(message.rstrip("。"))
                continue
            said = message.rstrip("。")
            # "公民身份号码校验位不正确" names its field already: not "公民身份号码：公民身份…".
            parts.append(said if said.startswith(str(label)) else f"{label}：{said}")
    return "；".join(parts) + "。" if parts else ""


class Superseded(Exception):
    """Another run took the job over (`ImportJob.runner`): this one stops, writing nothing."""


class Importer:
    def __init__(
        self,
        job: ImportJob,
        *,
        actor,
        progress: Callable[[ImportJob], None] | None = None,
        started: Callable[[ImportJob], None] | None = None,
    ):
        """`progress` is told of each batch committed, `started` of the run taking the job
        (its sheet and the row it starts after)."""
        self.job = job
        self.actor = actor
        self.progress = progress
        self.started = started
        self.token = uuid.uuid4().hex  # this run's claim on the job (`ImportJob.runner`)
        self.superseded = False  # set when another run took the job over
        self.claimed = False  # this run holds the job (`_run`)
        grids = Unit.objects.filter(level=Level.GRID)
        if actor is not None:
            grids = visible_units(actor, grids)
        self.grids = {g.code: g for g in grids.only("id", "code", "name", "path")}
        self.grids_by_id = {g.pk: g for g in self.grids.values()}
        self.scope_path = (
            None
            if actor is None or actor.data_scope == "all"
            else (actor.unit.path if actor.unit else "")
        )
        self.person_insert = Inserter(Person)
        self.stay_insert = Inserter(Stay)
        self.person_history = Inserter(Person.history.model, include_pk=False)
        self.stay_history = Inserter(Stay.history.model, include_pk=False)
        self.now = timezone.now()
        # Adapted once: every row of the import carries the same timestamps.
        self.now_db = connection.ops.adapt_datetimefield_value(self.now)
        self.reason = _("批量导入：%(source)s") % {"source": job.source}
        self.report_path = Path(job.path).with_suffix(".rejected.csv")
        self.checkpoints = BackgroundCheckpoints()  # entered for the run
        self.crypto = crypto.FieldCrypto.current()
        # A prepared row is its table row in column order without the id, dates as the
        # database takes them.
        self.adapt_date = connection.ops.adapt_datefield_value
        self.person_layout = itemgetter(*PERSON_COLUMNS[1:])
        self.stay_layout = itemgetter(*STAY_COLUMNS[1:])
        self.created_here = 0  # persons this run created; statistics refreshed at analyze_at
        self.analyze_at = 10_000
        try:
            self.parallel = Path(job.path).stat().st_size >= PARALLEL_MIN_BYTES
        except OSError:
            self.parallel = False

    # -- rows ------------------------------------------------------------------------------

    def prepare(
        self, number: int, cells: list, columns: dict[int, str]
    ) -> Prepared | tuple[int, str] | None:
        """A row checked by the registry's own validation: ready to write, or (row, reason),
        or None for a blank row."""
        cleaned = self.clean(number, cells, columns)
        if cleaned is None or isinstance(cleaned[0], int):
            return cleaned  # type: ignore[return-value]
        return self.ready(number, *cleaned)

    def clean(
        self, number: int, cells: list, columns: dict[int, str]
    ) -> tuple[dict, dict] | tuple[int, str] | None:
        """(person values, stay values) as `clean_person` and `clean_stay` give them, or
        (row, reason), or None for a blank row."""
        raw = {f: (cells[i] if i < len(cells) else None) for i, f in columns.items()}
        if all(cell_text(v) == "" for v in raw.values()):
            return None  # blank row
        person, stay, problems = normalise_row(raw)
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        stay_values: dict[str, Any] = {}
        try:
            values = clean_person(person, partial=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            stay_values = clean_stay(stay, grid_lookup=self.grids.get)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors or problems:
            # A formula's field is named by its problem; its value's own error would repeat it.
            formulas = {
                CELL_KEYS.get(field, field)
                for field, value in raw.items()
                if type(value) is Formula
            }
            errors = {key: m for key, m in errors.items() if key not in formulas}
            return number, _reason_text(errors, problems)
        return values, stay_values

    def ready(self, number: int, values: dict[str, Any], stay: dict[str, Any]) -> Prepared:
        """Encrypt, hash and key a clean row, and lay it out as the tables' rows."""
        fields = self.crypto
        number_text = values["id_number"]
        digest = fields.blind_index(number_text.upper(), "id_number")
        phone = values.get("phone", "")
        derived = {
            "id_number_enc": fields.encrypt(number_text),
            "id_number_masked": mask_document(number_text),
            "phone_enc": fields.encrypt(phone),
            "phone_hash": fields.blind_index(phone, "phone"),
            **search_keys(
                values["name"], values.get("former_names", ""), values.get("latin_name", "")
            ),
        }
        person = self._person_row(values, derived, digest, stay)
        stay_row = self._stay_row(None, None, stay)
        stay_row["arrival_date"] = stay_row["resident_since"] = person["arrival_date"]
        return Prepared(
            number,
            values.get("id_type") or "citizen_id",
            digest,
            self.person_layout(person),
            self.stay_layout(stay_row),
        )

    # -- writing ---------------------------------------------------------------------------

    def _person_row(
        self, v: dict[str, Any], d: dict[str, str], digest: str, stay: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "id": None,
            "name": v["name"],
            "name_as_typed": v.get("name_as_typed", ""),
            "native_name": "",
            "native_script": "",
            "latin_name": v.get("latin_name", ""),
            "former_names": v.get("former_names", ""),
            "sex": v["sex"],
            "birth_date": self.adapt_date(v["birth_date"]),
            "ethnicity": v["ethnicity"],
            "ethnicity_other": v.get("ethnicity_other", ""),
            "id_type": v.get("id_type") or "citizen_id",
            "id_number_enc": d["id_number_enc"],
            "id_number_hash": digest,
            "id_number_masked": d["id_number_masked"],
            "phone_enc": d["phone_enc"],
            "phone_hash": d["phone_hash"],
            "hukou_code": v.get("hukou_code", ""),
            "hukou_address": v.get("hukou_address", ""),
            "origin_code": v.get("origin_code", ""),
            "origin_province": (v.get("origin_code") or "")[:2],
            "education": v.get("education", ""),
            "occupation": v.get("occupation", ""),
            "employer": v.get("employer", ""),
            "marital_status": v.get("marital_status", ""),
            "languages": v.get("languages", ""),
            "interpreter_needed": False,
            "insurance_kinds": "",
            "insurance_place": "",
            "income_band": "",
            "residence_permit_number": "",
            "residence_permit_valid_until": None,
            "search_chars": d["search_chars"],
            "pinyin_full": d["pinyin_full"],
            "pinyin_initials": d["pinyin_initials"],
            "latin_key": d["latin_key"],
            "unit_path": stay["grid"].path,
            "present": True,
            "arrival_date": self.adapt_date(stay["arrival_date"]),
            "stay_reason": stay["reason"],
            "merged_into_id": None,
            "created_by_id": getattr(self.actor, "pk", None),
            "created_at": self.now_db,
            "updated_at": self.now_db,
        }

    def _stay_row(
        self,
        pk: int | None,
        person_id: int | None,
        stay: dict[str, Any],
        moved_from: dict | None = None,
    ) -> dict[str, Any]:
        return {
            "id": pk,
            "person_id": person_id,
            "housing_id": None,
            "address": stay.get("address", ""),
            "grid_id": stay["grid"].pk,
            "unit_path": stay["grid"].path,
            "arrival_date": stay["arrival_date"],
            "resident_since": moved_from["resident_since"] if moved_from else stay["arrival_date"],
            "arrived_by_move": moved_from is not None,
            "left_by_move": False,
            "reason": stay["reason"],
            "expected_duration": stay.get("expected_duration", "unknown"),
            "departure_date": None,
            "destination": "",
            "source": "import",
            "created_by_id": getattr(self.actor, "pk", None),
        }

    def _history(self, row: dict[str, Any], kind: str) -> dict[str, Any]:
        return {
            **row,
            "history_date": self.now_db,
            "history_change_reason": self.reason,
            "history_type": kind,
            "history_user_id": getattr(self.actor, "pk", None),
        }

    def write_batch(
        self, batch: list[Prepared], outcome: Outcome, columns_present: set[str]
    ) -> None:
        new, changes = self.sort_batch(batch, outcome, columns_present)
        self._insert_new(new)
        self._apply_changes(changes)

    def sort_batch(
        self, batch: list[Prepared], outcome: Outcome, columns_present: set[str]
    ) -> tuple[list[Prepared], list[tuple[dict[str, Any], dict]]]:
        """What each valid row would do — create, change, leave as it is or be refused (out
        of scope, merged, a stay that conflicts) — counted in `outcome`; a dry run stops here."""
        existing = self._existing([p.id_hash for p in batch])
        new: list[Prepared] = []
        changes: list[tuple[dict[str, Any], dict]] = []
        for p in batch:
            current = existing.get((p.id_type, p.id_hash))
            if current is None:
                new.append(p)
                continue
            if self.scope_path is not None and not current["unit_path"].startswith(self.scope_path):
                outcome.rejected.append(
                    (p.row, _("该人员的档案在您的管理范围之外，请联系上级单位处理。"), [])
                )
                continue
            if current["merged_into_id"]:
                outcome.rejected.append((p.row, _("该证件号码对应的档案已被合并，请核实。"), []))
                continue
            change = self._changes(p, current, columns_present)
            if change is None:
                outcome.unchanged += 1
            elif isinstance(change, str):
                outcome.rejected.append((p.row, change, []))
            else:
                changes.append((current, change))
        outcome.created += len(new)
        outcome.updated += len(changes)
        return new, changes

    def _existing(self, hashes: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        # Mostly none are there (a new file): a bare lookup first, the records only if any.
        ids = ids_where_in(Person, "id_number_hash", hashes)
        fields = [f.attname for f in Person._meta.concrete_fields]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in Person.objects.filter(id__in=chunk).values(*fields):
                found[(row["id_type"], row["id_number_hash"])] = row
        if found:
            open_stays = Stay.objects.filter(
                person_id__in=[r["id"] for r in found.values()], departure_date__isnull=True
            ).values()
            by_person = {s["person_id"]: s for s in open_stays}
            last_departures = dict(
                Stay.objects.filter(
                    person_id__in=[r["id"] for r in found.values()], departure_date__isnull=False
                )
                .order_by("person_id", "departure_date")
                .values_list("person_id", "departure_date")
            )
            for row in found.values():
                row["_open_stay"] = by_person.get(row["id"])
                row["_last_departure"] = last_departures.get(row["id"])
        return found

    def _changes(
        self, p: Prepared, current: dict[str, Any], present: set[str]
    ) -> dict | str | None:
        """What the row changes: person fields and what happens to the stay; None if
        nothing; a message if the row contradicts the record."""
        v = p.values()
        person_changes = {}
        for key in IMPORTED_PERSON_FIELDS:
            if (
                key in v
                and (key in present or key in ("name_as_typed",))
                and current.get(key) != v[key]
            ):
                if key == "name_as_typed" and current.get("name") == v.get("name"):
                    continue
                person_changes[key] = v[key]
        if "origin_code" in person_changes:
            person_changes["origin_province"] = person_changes["origin_code"][:2]
        if "phone" in present and v["phone_hash"] != current["phone_hash"]:
            person_changes["phone_enc"] = v["phone_enc"]
            person_changes["phone_hash"] = v["phone_hash"]
        stay = p.stay_values(self.grids_by_id)
        open_stay = current["_open_stay"]
        stay_action = None
        if open_stay is not None:
            if open_stay["grid_id"] == stay["grid"].pk:
                if (
                    open_stay["arrival_date"] != stay["arrival_date"]
                    or open_stay["reason"] != stay["reason"]
                ):
                    stay_action = ("correct", open_stay)
            elif stay["arrival_date"] < open_stay["arrival_date"]:
                return _(
                    "来本地日期（%(new)s）早于现有居住登记（%(old)s），无法判断先后，请核实。"
                ) % {
                    "new": stay["arrival_date"].isoformat(),
                    "old": open_stay["arrival_date"].isoformat(),
                }
            else:
                stay_action = ("move", open_stay)
        else:
            last = current["_last_departure"]
            if last is not None and stay["arrival_date"] < last:
                return _("来本地日期早于该人员上次离开的日期（%(d)s），请核实。") % {
                    "d": last.isoformat()
                }
            stay_action = ("return", None)
        if not person_changes and stay_action is None:
            return None
        return {"person": person_changes, "stay": stay_action, "stay_values": stay}

    def _insert_new(self, new: list[Prepared]) -> None:
        if not new:
            return
        person_ids = allocate_ids(Person, len(new))
        stay_ids = allocate_ids(Stay, len(new))
        persons = [(pk, *p.person) for pk, p in zip(person_ids, new, strict=True)]
        stays = []
        for sid, pid, p in zip(stay_ids, person_ids, new, strict=True):
            stay = [sid, *p.stay]
            stay[STAY_PERSON] = pid
            stays.append(stay)
        with FullTextDeferred(person_ids[0], person_ids[-1]):
            self.person_insert.insert_tuples(persons)
        self.stay_insert.insert_tuples(stays)
        # Their history rows: copied by the database from the rows just written.
        for model, ids in ((Person, person_ids), (Stay, stay_ids)):
            history_from_rows(
                model,
                ids,
                when=self.now_db,
                kind="+",
                reason=self.reason,
                user_id=getattr(self.actor, "pk", None),
            )
        grids_changed((s[STAY_GRID], _as_date(s[STAY_ARRIVAL])) for s in stays)

    def _apply_changes(self, changes: list[tuple[dict[str, Any], dict]]) -> None:
        if not changes:
            return
        person_rows, new_stays, closed, corrected = [], [], [], []
        # What the statistics must recount (registry.changes).
        journal: list[tuple[int, Any]] = []
        counted_persons: list[int] = []
        for current, change in changes:
            row = {k: v for k, v in current.items() if not k.startswith("_")}
            row.update(change["person"])
            if (
                "name" in change["person"]
                or "former_names" in change["person"]
                or "latin_name" in change["person"]
            ):
                row.update(search_keys(row["name"], row["former_names"], row["latin_name"]))
            action = change["stay"]
            if action is not None:
                kind, open_stay = action
                stay = change["stay_values"]
                if kind == "correct":
                    corrected.append(
                        {
                            **open_stay,
                            "arrival_date": stay["arrival_date"],
                            "reason": stay["reason"],
                            "resident_since": open_stay["resident_since"]
                            if open_stay["arrived_by_move"]
                            else stay["arrival_date"],
                        }
                    )
                    since = min(open_stay["arrival_date"], stay["arrival_date"])
                    journal.append((open_stay["grid_id"], since))
                else:
                    moved_from = None
                    if kind == "move":
                        moved_from = {
                            **open_stay,
                            "departure_date": stay["arrival_date"],
                            "destination": stay["grid"].name,
                            "left_by_move": True,
                        }
                        closed.append(moved_from)
                        journal.append((open_stay["grid_id"], stay["arrival_date"]))
                    new_stays.append((row["id"], stay, moved_from))
                row.update(
                    unit_path=stay["grid"].path,
                    present=True,
                    arrival_date=stay["arrival_date"],
                    stay_reason=stay["reason"],
                )
            if COUNTED_PERSON_FIELDS.intersection(change["person"]):
                counted_persons.append(row["id"])
            row["updated_at"] = self.now_db
            person_rows.append(row)
        columns = [
            c
            for c in {f.column for f in Person._meta.concrete_fields}
            - {"id", "created_at", "created_by_id"}
        ]
        update_rows(Person, sorted(columns), person_rows)
        self.person_history.insert([self._history(r, "~") for r in person_rows])
        stay_changes = closed + corrected
        update_rows(
            Stay,
            [
                "departure_date",
                "destination",
                "left_by_move",
                "arrival_date",
                "resident_since",
                "reason",
            ],
            stay_changes,
        )
        ids = allocate_ids(Stay, len(new_stays))
        inserted = [
            self._stay_row(sid, pid, stay, moved_from)
            for sid, (pid, stay, moved_from) in zip(ids, new_stays, strict=True)
        ]
        journal.extend((r["grid_id"], r["arrival_date"]) for r in inserted)
        grids_changed(journal)
        persons_changed(counted_persons)
        self.stay_insert.insert(inserted)
        self.stay_history.insert(
            [self._history(r, "~") for r in stay_changes]
            + [self._history(dict(r), "+") for r in inserted]
        )

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> ImportJob:
        job = self.job
        try:
            table = open_job_file(job)
            columns = resolve_columns(table.headers, job.mapping or None)
        except (ReadError, ImportError_) as exc:
            return self._finish(JobStatus.FAILED, str(exc))
        try:
            return self._run(table, columns)
        except Superseded:
            # The run that took over owns the job's status, counts and files now.
            logger.warning("import job %s: taken over by another run; this one stopped", job.pk)
            job.refresh_from_db()
            return job
        except Exception:
            # A fault of ours, not of the file: the job must not stay "running" for ever —
            # unless another run holds it now, whose job it is.
            logger.exception("import job %s failed", job.pk)
            with suppress(Superseded):
                self._finish(
                    JobStatus.FAILED,
                    _(
                        "导入因系统错误中断（已记录，请联系管理员）；此前已提交的批次已保存，可重新导入以续传。"
                    ),
                )
            raise

    def _run(self, table: Table, columns: dict[int, str]) -> ImportJob:
        job = self.job
        present = {f for f in columns.values()}
        present |= {p for f in list(present) for p in FIELD_TO_PERSON.get(f, [])}
        now = timezone.now()
        with transaction.atomic():
            # Taken over even from a run still marked running: a killed one cannot hand it
            # back. That run stops at its next batch (`_commit`); the rows done are read
            # under the same lock, so no batch of it is skipped or written twice.
            job.refresh_from_db(from_queryset=ImportJob.objects.select_for_update())
            if job.status in (JobStatus.DONE, JobStatus.CANCELLED) or job.files_deleted_at:
                return job  # ended meanwhile (by another run, or cancelled): nothing to do
            resume_after = job.rows_done
            job.sheet = job.sheet or table.sheet  # the same sheet if the job is resumed
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.RUNNING,
                sheet=job.sheet,
                runner=self.token,
                started_at=job.started_at or now,
                run_started_at=now,
                run_rows_from=resume_after,
                message="",
            )
            job.run_rows_from = resume_after
            self.claimed = True
        if self.started is not None:
            self.started(job)  # where this run starts, as it took the job
        report = self._open_report(table.headers, resume=resume_after > 0)
        # A first load killed halfway left the registry without some indexes: the resumed
        # run (and any later import) needs them to find the persons already written.
        restore_indexes()
        first_load = self._first_load()
        if connection.vendor == "sqlite":
            # A bigger page cache for this connection keeps the indexes being written in memory
            # (128 MB); a first load writes few of them until the end (32 MB: the peak memory
            # of a million-row file stays under 500 MB).
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {-32768 if first_load else -131072}")
        tables = (Person, Person.history.model, Stay, Stay.history.model)
        if first_load:
            drop_indexes(*tables)
        try:
            with BackgroundCheckpoints() as self.checkpoints:
                status, message = self._rows_loop(table, columns, present, resume_after, report)
        finally:
            # Superseded: the run that took over builds them, as it loads.
            if first_load and not self.superseded:
                restore_indexes()
        if first_load:
            analyze(*tables)
        return self._finish(status, message)

    def _first_load(self) -> bool:
        """A large file into an empty registry (a city's first load)."""
        if self.job.dry_run or Person.objects.exists():
            return False
        if self.job.estimated_rows:
            return self.job.estimated_rows >= FIRST_LOAD_MIN_ROWS
        try:
            return Path(self.job.path).stat().st_size >= 20 << 20
        except OSError:
            return False

    def _rows_loop(self, table, columns, present, resume_after, report) -> tuple[str, str]:
        """Read, check and write the rows in batches: the job's (status, message). However it
        ends — done, cancelled, a file broken midway — the rows refused in the batches that
        committed can be downloaded."""
        try:
            status, message = self._batches(table, columns, present, resume_after, report)
        finally:
            report.close()
        self._write_xlsx_report(table.headers)
        self.job.refresh_from_db(fields=["total"])
        if status == JobStatus.DONE and not self.job.total:
            return status, _("文件中没有数据行：只有表头和空行。")
        return status, message

    def _batches(self, table, columns, present, resume_after, report) -> tuple[str, str]:
        total = 0
        last_row = resume_after
        batch: list[Prepared] = []
        rejected: list[tuple[int, str, list]] = []
        cancelled = JobStatus.CANCELLED, _("已按要求取消；已提交的批次保留。")
        try:
            for number, outcome, cells in self._prepared_rows(table, columns, resume_after):
                last_row = number
                if outcome is None:
                    continue  # a blank row, or one committed by an earlier run
                total += 1
                if len(outcome) == 2:
                    rejected.append((number, outcome[1], cells))
                else:
                    batch.append(Prepared(number, *outcome))
                if len(batch) + len(rejected) >= BATCH_SIZE:
                    if not self._commit(batch, rejected, total, number, present, report):
                        return cancelled
                    batch, rejected, total = [], [], 0
            if (batch or rejected or total) and not self._commit(
                batch, rejected, total, last_row, present, report
            ):
                return cancelled
        except (ReadError, PipelineError) as exc:
            return JobStatus.FAILED, _("%(why)s 此前已提交的批次已保存，其余未导入。") % {
                "why": exc
            }
        return JobStatus.DONE, ""

    def _prepared_rows(
        self, table: Table, columns: dict[int, str], resume_after: int
    ) -> Iterator[tuple]:
        """(row number, outcome, cells) in file order. The outcome is None for a blank row or
        one an earlier run committed, (row, reason) for a rejected row (its cells go along
        for the error report), or a valid row's (id type, document hash, person row, stay
        row) for `Prepared`. Large files are prepared in a second process while this one
        writes; plain tuples cross between the two cheaply."""

        def produce() -> Iterator[tuple]:
            preparer = RowPreparer(self, columns)
            # Document hash (as an int: half the memory of its hex text) → its first row.
            seen: dict[int, int] = {}
            for number, cells in table.rows:
                prepared = preparer.prepare(number, cells)
                if isinstance(prepared, Prepared):
                    first = seen.setdefault(int(prepared.id_hash, 16), number)
                    if number <= resume_after:
                        yield number, None, None  # committed earlier: only remembered
                    elif first != number:
                        reason = _("证件号码与第 %(n)d 行重复。") % {"n": first}
                        yield number, (number, reason), cells
                    else:
                        p = prepared
                        yield number, (p.id_type, p.id_hash, p.person, p.stay), None
                elif prepared is None or number <= resume_after:
                    yield number, None, None
                else:
                    yield number, prepared, cells

        if self.parallel and parallel_available():
            return prepared_in_child(produce)
        return produce()

    def _commit(self, batch, rejected, total, last_row, present, report) -> bool:
        """Write one batch and the job's progress together. False if cancel was requested."""
        job = self.job
        outcome = Outcome(rejected=list(rejected))
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.runner != self.token:
                self.superseded = True
                raise Superseded
            if locked.cancel_requested:
                return False
            if job.dry_run:
                self.sort_batch(batch, outcome, present)
            else:
                self.write_batch(batch, outcome, present)
            ImportJob.objects.filter(pk=job.pk).update(
                rows_done=last_row,
                total=F("total") + total,
                created=F("created") + outcome.created,
                updated=F("updated") + outcome.updated,
                unchanged=F("unchanged") + outcome.unchanged,
                rejected=F("rejected") + len(outcome.rejected),
            )
            if not job.dry_run and (outcome.created or outcome.updated):
                audit_record(
                    action=Action.IMPORT,
                    actor=self.actor,
                    username="system",
                    object_type="registry.person",
                    object_id=f"job-{job.pk}",
                    purpose=self.reason,
                    detail={
                        "rows_to": last_row,
                        "created": outcome.created,
                        "updated": outcome.updated,
                    },
                )
            # The report rows of this batch are written before the batch commits; a crash
            # between the two repeats them on resume, which the report tolerates (same row).
            self._report(report, outcome.rejected)
        self.checkpoints.committed()
        job.refresh_from_db()
        if not job.dry_run:
            self._keep_statistics(outcome.created)
        if self.progress is not None:
            self.progress(job)
        return True

    def _keep_statistics(self, created: int) -> None:
        """PostgreSQL plans each batch's lookups (documents already there, the history
        copied from the rows just written) from its table statistics. A registry that grows
        from nearly empty under an import is planned as nearly empty — whole-table scans,
        slower with every batch — until autovacuum catches up; a million-row first load fell
        from 9,600 to 3,500 rows/s. So: ANALYZE when this import has created 10,000 persons,
        100,000, a million… (a sample each time: about a second on a large table)."""
        if connection.vendor != "postgresql" or not created:
            return
        self.created_here += created
        if self.created_here >= self.analyze_at:
            analyze(Person, Stay, Person.history.model, Stay.history.model)
            self.analyze_at *= 10

    def _open_report(self, headers: list[str], *, resume: bool):
        self.report_path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not resume or not self.report_path.exists()
        fh = self.report_path.open(
            "w" if fresh else "a", encoding="utf-8-sig" if fresh else "utf-8", newline=""
        )
        self._report_writer = csv.writer(fh)
        if fresh:
            self._report_writer.writerow([_("行号"), _("原因"), *headers])
        return fh

    def _report(self, fh, rejected) -> None:
        for number, reason, cells in rejected:
            self._report_writer.writerow([number, reason, *[cell_text(c) for c in cells]])
        fh.flush()

    def _write_xlsx_report(self, headers: list[str]) -> None:
        """The rejected rows as a spreadsheet, each with its reason beside it."""
        job = ImportJob.objects.get(pk=self.job.pk)
        if not job.rejected:
            return
        target = self.report_path.with_suffix(".xlsx")
        # Written under this run's own name and put in place only while it holds the job:
        # a run that took over may be writing the report too.
        part = target.with_suffix(f".{self.token}.part")
        with self.report_path.open(encoding="utf-8-sig", newline="") as written:
            bare = {
                int(row[0]) for row in csv.reader(written) if len(row) == 2 and row[0].isdigit()
            }

        def rows(cells_of: Callable[[int], list[str]]) -> Iterator[list]:
            seen_rows: set[str] = set()
            with self.report_path.open(encoding="utf-8-sig", newline="") as fh:
                lines = csv.reader(fh)
                next(lines, None)  # the heading, written below
                for row in lines:
                    if not row or row[0] in seen_rows:
                        continue  # written twice around an interruption
                    seen_rows.add(row[0])
                    if len(row) == 2 and row[0].isdigit():
                        row += cells_of(int(row[0]))
                    cells: list = [neutralise(c) for c in row]
                    if cells[0].isdigit():
                        cells[0] = int(cells[0])
                    yield cells

        try:
            with self._cells_of(bare) as cells_of, part.open("wb") as fh:
                write_xlsx(
                    fh,
                    rows(cells_of),
                    sheet_title=_("未导入的行"),
                    heading=[([_("行号"), _("原因"), *headers], BOLD)],
                    widths=[8, 40],
                    properties=Properties(creator="Tongxin", title=_("未导入的行")),
                )
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        with transaction.atomic():
            if not self._owned().select_for_update().exists():
                part.unlink(missing_ok=True)
                self.superseded = True
                raise Superseded
            os.replace(part, target)
            self._owned().update(error_report=str(target))

    @contextmanager
    def _cells_of(self, numbers: set[int]) -> Iterator[Callable[[int], list[str]]]:
        """The file's cells of rows refused while writing (out of scope, merged, a stay that
        conflicts), looked up by row number: only their numbers travel with them, so the file
        is read again for them. Kept in a scratch SQLite file beside the report, not in
        memory: a file imported again after its persons were registered elsewhere can have
        most of a million rows refused so."""
        if not numbers:
            yield lambda _number: []
            return
        # Named after the job and this run (a run that took over may be writing its own);
        # one left by a killed process goes with the job's files (`retention.REPORTS`).
        # No journal: it is thrown away.
        scratch = self.report_path.with_suffix(f".cells.{self.token}.sqlite3")
        scratch.unlink(missing_ok=True)
        db = sqlite3.connect(scratch)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE cells (number INTEGER PRIMARY KEY, cells TEXT)")
            found: list[tuple[int, str]] = []
            try:
                table = open_job_file(self.job)
                wanted = len(numbers)
                for number, cells in table.rows:
                    if number in numbers:
                        found.append((number, json.dumps([cell_text(c) for c in cells])))
                        wanted -= 1
                        if not wanted:
                            break
                        if len(found) == REPORT_CELLS_CHUNK:
                            db.executemany("INSERT INTO cells VALUES (?, ?)", found)
                            found = []
            except ReadError:
                pass  # the file changed or went: the report keeps the numbers and the reasons
            db.executemany("INSERT INTO cells VALUES (?, ?)", found)

            def cells_of(number: int) -> list[str]:
                row = db.execute("SELECT cells FROM cells WHERE number = ?", (number,)).fetchone()
                return json.loads(row[0]) if row else []

            yield cells_of
        finally:
            db.close()
            scratch.unlink(missing_ok=True)

    def _owned(self):
        """The job, as an update's target: only while this run holds it once it has claimed
        it. Before (a file that cannot be opened) the job is this run's to end."""
        jobs = ImportJob.objects.filter(pk=self.job.pk)
        return jobs.filter(runner=self.token) if self.claimed else jobs

    def _finish(self, status: str, message: str) -> ImportJob:
        if not self._owned().update(status=status, message=message, finished_at=timezone.now()):
            self.superseded = True
            raise Superseded
        self.job.refresh_from_db()
        if self.progress is not None:
            self.progress(self.job)
        return self.job


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def import_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def estimate_rows(path: Path) -> int:
    """A quick row estimate for the progress bar (newlines for CSV, 0 for XLSX)."""
    if path.suffix.lower() != ".csv":
        return 0
    count = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return max(count - 1, 0)


def fail_interrupted_imports() -> int:
    """Web imports left "running" by a task worker that is no longer there (a power cut, a
    restart): ended as failed with a message, so their page offers 继续导入 instead of a
    progress bar that never moves. Called by `tongxin serve` before it starts the worker
    (its only worker, so none of them can still be running); imports from the command line
    (no user) are left alone: run the command again to resume one. The count."""
    return ImportJob.objects.filter(status=JobStatus.RUNNING, user__isnull=False).update(
        status=JobStatus.FAILED,
        message=_("导入因服务中断而停止；已提交的批次已保存，可点击“继续导入”从中断处继续。"),
        finished_at=timezone.now(),
    )


def job_for_file(
    path: Path,
    *,
    actor,
    source: str,
    filename: str,
    mapping: dict | None = None,
    dry_run: bool = False,
    sheet: str = "",
) -> ImportJob:
    """The unfinished job for this very file and source (to resume it), or a new one. A
    workbook's sheet is chosen by the job's first run unless named here."""
    digest = file_sha256(path)
    candidates = (
        ImportJob.objects.filter(file_sha256=digest, source=source, dry_run=dry_run, user=actor)
        .exclude(status__in=[JobStatus.DONE, JobStatus.CANCELLED])
        # One that failed before a run took it has nothing to resume: its file could not
        # be read as asked (a mistyped --sheet), which a new job may be.
        .exclude(status=JobStatus.FAILED, run_started_at__isnull=True)
    )
    if sheet:
        candidates = candidates.filter(sheet=sheet)
    unfinished = candidates.first()
    if unfinished is not None:
        return unfinished
    return ImportJob.objects.create(
        user=actor,
        source=source,
        filename=filename,
        path=str(path),
        file_sha256=digest,
        mapping=mapping or {},
        dry_run=dry_run,
        sheet=sheet,
        estimated_rows=estimate_rows(path),
    )
