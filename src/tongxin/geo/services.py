"""Loading official divisions and drawing grids."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, audit_record

from .models import Level, Unit, path_for

CODE_RE = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$")


class DivisionError(ValueError):
    pass


def divisions_dir() -> Path:
    return Path(settings.NODE_MODULES_DIR) / "china-division" / "dist"


@dataclass(frozen=True)
class Division:
    code: str  # official code (6 digits for province/city/district, then 9 and 12)
    name: str
    level: str


def _rows(filename: str) -> Iterator[dict[str, str]]:
    path = divisions_dir() / filename
    if not path.is_file():
        raise DivisionError(
            _("找不到区划数据文件 %(path)s，请先运行 npm ci（make setup）。") % {"path": path}
        )
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def normalise_root(code: str) -> tuple[str, str]:
    """Return (significant prefix, level) of a root code given in any of its usual forms."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise DivisionError(
            _("区划代码“%(code)s”格式不正确：应为 2、4、6、9 或 12 位数字。") % {"code": code}
        )
    if len(code) == 6 and code.endswith("0000"):
        return code[:2], Level.PROVINCE
    if len(code) == 6 and code.endswith("00"):
        return code[:4], Level.CITY
    return code, {
        2: Level.PROVINCE,
        4: Level.CITY,
        6: Level.DISTRICT,
        9: Level.STREET,
        12: Level.COMMUNITY,
    }[len(code)]


def read_divisions(root: str) -> list[Division]:
    """Every division at or under `root`, with its ancestors, parents before children."""
    prefix, _level = normalise_root(root)
    found: list[Division] = []
    for row in _rows("provinces.csv"):
        if prefix.startswith(row["code"]):
            found.append(Division(row["code"] + "0000", row["name"], Level.PROVINCE))
    for row in _rows("cities.csv"):
        if prefix.startswith(row["code"]) or row["code"].startswith(prefix):
            found.append(Division(row["code"] + "00", row["name"], Level.CITY))
    for filename, level in (
        ("areas.csv", Level.DISTRICT),
        ("streets.csv", Level.STREET),
        ("villages.csv", Level.COMMUNITY),
    ):
        for row in _rows(filename):
            code = row["code"]
            if code.startswith(prefix) or prefix.startswith(code):
                found.append(Division(code, row["name"], level))
    if not any(path_for(d.code, d.level) == prefix for d in found):
        raise DivisionError(_("区划代码“%(code)s”在区划数据中不存在。") % {"code": root})
    return found


@transaction.atomic
def divisions_load(root: str, *, actor=None) -> dict[str, int]:
    """Create or rename every division under `root`. Grids and other data are untouched."""
    divisions = read_divisions(root)
    existing = {u.code: u for u in Unit.objects.filter(code__in=[d.code for d in divisions])}
    by_path = {u.path: u for u in existing.values()}
    created = renamed = 0
    for level in (Level.PROVINCE, Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        batch: list[Unit] = []
        for d in divisions:
            if d.level != level:
                continue
            unit = existing.get(d.code)
            if unit is not None:
                if unit.name != d.name:
                    unit.name = d.name
                    unit.save(update_fields=["name"])
                    renamed += 1
                continue
            path = path_for(d.code, d.level)
            parent = next(
                (
                    by_path[path[:n]]
                    for n in (12, 9, 6, 4, 2)
                    if n < len(path) and path[:n] in by_path
                ),
                None,
            )
            batch.append(Unit(code=d.code, name=d.name, level=d.level, parent=parent, path=path))
        for unit in Unit.objects.bulk_create(batch, batch_size=500):
            by_path[unit.path] = unit
        created += len(batch)
    if actor is not None or created or renamed:
        audit_record(
            action=Action.CREATE,
            actor=actor,
            username="system",
            object_type="geo.unit",
            object_id=root,
            detail={"loaded": len(divisions), "created": created, "renamed": renamed},
        )
    return {"total": len(divisions), "created": created, "renamed": renamed}


class GridError(ValueError):
    pass


@transaction.atomic
def grid_create(*, actor, community: Unit, name: str, request=None) -> Unit:
    if community.level != Level.COMMUNITY:
        raise GridError(_("网格只能建在社区（村）之下。"))
    name = name.strip()
    if not name:
        raise GridError(_("请填写网格名称。"))
    # Lock the community row so two officers drawing grids at once get different numbers.
    list(Unit.objects.select_for_update().filter(pk=community.pk))
    last = (
        Unit.objects.filter(parent=community, level=Level.GRID)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last[-3:]) + 1 if last else 1
    if number > 999:
        raise GridError(_("一个社区最多 999 个网格。"))
    code = f"{community.code}{number:03d}"
    grid = Unit.objects.create(code=code, name=name, level=Level.GRID, parent=community, path=code)
    audit_record(action=Action.CREATE, actor=actor, request=request, obj=grid, username="system")
    return grid


@transaction.atomic
def grid_update(*, actor, grid: Unit, name: str, workers, request=None) -> Unit:
    """Rename a grid and set who works it (a grid worker belongs to one grid)."""
    from tongxin.accounts.models import User
    from tongxin.accounts.roles import Role

    name = name.strip()
    if not name:
        raise GridError(_("请填写网格名称。"))
    before_workers = sorted(User.objects.filter(unit=grid).values_list("username", flat=True))
    if grid.name != name:
        grid.name = name
        grid.save(update_fields=["name"])
    new_workers = list(workers)
    wrong = [u.username for u in new_workers if Role.GRID_WORKER not in u.roles]
    if wrong:
        raise GridError(_("以下账户不是网格员：%(names)s") % {"names": "、".join(wrong)})
    community = grid.parent
    # Workers removed from this grid go back to the community.
    User.objects.filter(unit=grid).exclude(pk__in=[u.pk for u in new_workers]).update(
        unit=community
    )
    User.objects.filter(pk__in=[u.pk for u in new_workers]).update(unit=grid)
    after_workers = sorted(u.username for u in new_workers)
    audit_record(
        action=Action.PERMISSION if before_workers != after_workers else Action.UPDATE,
        actor=actor,
        request=request,
        obj=grid,
        detail={"name": name, "workers_before": before_workers, "workers_after": after_workers},
    )
    return grid


@transaction.atomic
def grids_draw(*, actor, communities, per_community: int) -> int:
    """Draw numbered grids under many communities at once (setting up a new city)."""
    existing = set(
        Unit.objects.filter(parent__in=communities, level=Level.GRID).values_list(
            "parent_id", flat=True
        )
    )
    batch = [
        Unit(
            code=f"{c.code}{n:03d}",
            name=_("%(community)s第%(n)d网格")
            % {"community": c.name.removesuffix("居委会").removesuffix("村委会"), "n": n},
            level=Level.GRID,
            parent=c,
            path=f"{c.code}{n:03d}",
        )
        for c in communities
        if c.pk not in existing
        for n in range(1, per_community + 1)
    ]
    Unit.objects.bulk_create(batch, batch_size=500)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        username="system",
        object_type="geo.unit",
        detail={"grids_drawn": len(batch)},
    )
    return len(batch)
