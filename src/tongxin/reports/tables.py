"""A form's table for one unit and period: one row per child unit, a row for what is
recorded at the unit's own level (requests and disputes registered there, not on a child),
and the total.

Where the rows come from: a community's grids are counted from the registry; a street's (or
district's, or city's) children are the forms those children submitted — frozen values —
and, for a child that has not submitted, what the registry says now (marked as such).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.disputes.selectors import dispute_counts_by
from tongxin.geo.models import Level, Unit
from tongxin.services.metrics import request_counts_by_unit

from . import columns as cols
from . import counts
from .models import FormStatus, ReportColumn, ReportTemplate, StatForm
from .periods import Period

# Where a row's values come from.
LIVE = "live"  # the registry now
FORM = "form"  # the child's submitted form


@dataclass
class Row:
    unit_code: str
    name: str
    values: dict[str, int]
    source: str = LIVE
    status: str = ""  # the child's form status, when it has one
    own_level: bool = False  # figures recorded at the unit's own level

    def as_dict(self) -> dict:
        return {
            "unit": self.unit_code,
            "name": self.name,
            "values": self.values,
            "source": self.source,
            "status": self.status,
            "own_level": self.own_level,
        }


@dataclass
class Table:
    template: ReportTemplate
    unit: Unit
    period: Period
    columns: list[cols.Column]
    rows: list[Row]
    total: dict[str, int]
    as_of: date
    live_children: list[str] = field(default_factory=list)  # children without a form

    def frozen(self) -> dict:
        """What a submitted form keeps."""
        return {
            "columns": [c.as_dict() for c in self.columns],
            "rows": [r.as_dict() for r in self.rows],
            "total": self.total,
            "as_of": self.as_of.isoformat(),
        }

    @property
    def groups(self) -> list[tuple[str, int]]:
        return cols.header_groups(self.columns)

    @property
    def header(self):
        return cols.header_rows(self.columns)


def template_columns(template: ReportTemplate) -> list[cols.Column]:
    return [
        cols.Column(c.code, c.group, c.label, c.keys)
        for c in ReportColumn.objects.filter(template=template, active=True)
    ]


def default_template() -> ReportTemplate:
    return ReportTemplate.objects.get(code="basic")


def children_of(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(parent=unit).order_by("path"))


def _live_figures(unit: Unit, period: Period, end: date) -> dict[str, dict[str, int]]:
    """Requests and disputes by child path (the unit's own path: recorded at its level)."""
    figures: dict[str, dict[str, int]] = {}
    for path, entry in request_counts_by_unit(unit.path, period.start, end).items():
        target = figures.setdefault(path, {})
        target["req:received"] = entry["received"]
        target["req:resolved"] = entry["resolved"]
    for path, entry in dispute_counts_by(unit.path, period.start, end, "unit").items():
        target = figures.setdefault(path, {})
        target["dsp:found"] = entry["disputes"]
        target["dsp:resolved"] = entry["resolved"]
    return figures


def live_rows(
    unit: Unit, children: list[Unit], period: Period, columns: list[cols.Column], today: date
) -> tuple[list[Row], dict[str, int]]:
    """Rows for the children as the registry says now, the own-level row when it counts
    anything, and the unit's own counts (for comparing the total with)."""
    end = min(period.end, today)
    counted = counts.period_counts([unit.pk, *[c.pk for c in children]], period, today)
    figures = _live_figures(unit, period, end)
    rows = [
        Row(c.code, c.name, cols.evaluate(columns, {**counted[c.pk], **figures.get(c.path, {})}))
        for c in children
    ]
    own = cols.evaluate(columns, figures.get(unit.path, {}))
    if any(own.values()):
        rows.append(Row(unit.code, _("本级"), own, own_level=True))
    unit_values = cols.evaluate(columns, {**counted[unit.pk], **_sum_figures(figures)})
    return rows, unit_values


def _sum_figures(figures: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for entry in figures.values():
        for key, value in entry.items():
            total[key] = total.get(key, 0) + value
    return total


def total_of(rows: list[Row], columns: list[cols.Column]) -> dict[str, int]:
    return {c.code: sum(r.values.get(c.code, 0) for r in rows) for c in columns}


def compute(
    unit: Unit,
    period: Period,
    *,
    template: ReportTemplate | None = None,
    from_child_forms: bool = True,
    today: date | None = None,
) -> Table:
    """The table as it would be submitted now. With `from_child_forms` (the default) a
    child that has submitted contributes its frozen total; otherwise every row is what the
    registry says now (the recomputation a submitted form is compared with)."""
    template = template or default_template()
    today = today or timezone.localdate()
    columns = template_columns(template)
    children = children_of(unit)
    rows, _unit_values = live_rows(unit, children, period, columns, today)
    live_children: list[str] = []
    if from_child_forms and unit.level not in (Level.COMMUNITY, Level.GRID):
        forms = {
            f.unit_id: f
            for f in StatForm.objects.filter(
                template=template, period=period.key, unit__in=children
            )
        }
        by_code = {c.code: c for c in children}
        for row in rows:
            child = by_code.get(row.unit_code)
            form = forms.get(child.pk) if child and not row.own_level else None
            if form is not None:
                frozen = form.data.get("total", {})
                # A column added since the child submitted is taken from the registry.
                row.values = {c.code: frozen.get(c.code, row.values[c.code]) for c in columns}
                row.source, row.status = FORM, form.status
            elif not row.own_level:
                live_children.append(row.unit_code)
    return Table(
        template=template,
        unit=unit,
        period=period,
        columns=columns,
        rows=rows,
        total=total_of(rows, columns),
        as_of=min(period.end, today),
        live_children=live_children,
    )


def registry_total(
    unit: Unit, period: Period, *, template: ReportTemplate | None = None, today=None
) -> dict[str, int]:
    """What the registry says for the unit itself, column by column."""
    template = template or default_template()
    today = today or timezone.localdate()
    columns = template_columns(template)
    _rows, unit_values = live_rows(unit, [], period, columns, today)
    return unit_values


@dataclass
class Difference:
    unit_code: str
    name: str
    column: str
    label: str
    submitted: int
    now: int

    @property
    def change(self) -> str:
        return f"{self.now - self.submitted:+d}"


def differences(form: StatForm) -> list[Difference]:
    """Where a submitted form and the registry now disagree, cell by cell (the columns as
    they were submitted)."""
    period = Period.parse(form.period)
    columns = [cols.Column(**c) for c in form.data.get("columns", [])]
    today = timezone.localdate()
    rows, _unit_values = live_rows(form.unit, children_of(form.unit), period, columns, today)
    now = {r.unit_code + ("*" if r.own_level else ""): r for r in rows}
    found: list[Difference] = []
    for frozen in form.data.get("rows", []):
        key = frozen["unit"] + ("*" if frozen.get("own_level") else "")
        current = now.pop(key, None)
        for column in columns:
            before = frozen["values"].get(column.code, 0)
            after = current.values.get(column.code, 0) if current else 0
            if before != after:
                found.append(
                    Difference(
                        frozen["unit"], frozen["name"], column.code, column.label, before, after
                    )
                )
    for row in now.values():  # a row that appeared since (e.g. a new grid)
        for column in columns:
            if row.values.get(column.code, 0):
                found.append(
                    Difference(
                        row.unit_code,
                        row.name,
                        column.code,
                        column.label,
                        0,
                        row.values[column.code],
                    )
                )
    return found


def form_of(unit: Unit, period: Period, template: ReportTemplate | None = None):
    template = template or default_template()
    return StatForm.objects.filter(template=template, unit=unit, period=period.key).first()


SUBMITTED_STATES = (FormStatus.SUBMITTED, FormStatus.ACCEPTED)
