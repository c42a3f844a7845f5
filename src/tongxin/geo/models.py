"""The jurisdiction tree: province → city → district/county → street/town → community → grid.

Each unit keeps its official code and a `path`: the significant prefix of that code
(41 for 410000, 4101 for 410100, then the full 6-, 9- and 12-digit codes; a grid adds
three digits to its community's code). Every descendant's path starts with its ancestors'
paths, so a subtree is one range scan on an indexed column (ADR 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道乡镇")
    COMMUNITY = "community", _("社区村")
    GRID = "grid", _("网格")


LEVEL_ORDER = [
    Level.PROVINCE,
    Level.CITY,
    Level.DISTRICT,
    Level.STREET,
    Level.COMMUNITY,
    Level.GRID,
]


def path_for(code: str, level: str) -> str:
    """The significant prefix of an official code at a level."""
    if level == Level.PROVINCE:
        return code[:2]
    if level == Level.CITY:
        return code[:4]
    return code


def path_upper_bound(path: str) -> str | None:
    """The smallest digit string greater than every string starting with `path`."""
    digits = path.rstrip("9")
    if not digits:
        return None
    return digits[:-1] + str(int(digits[-1]) + 1)


def subtree_q(path: str, field: str = "path") -> models.Q:
    """Q for every row whose `field` starts with `path`, as an index-friendly range."""
    upper = path_upper_bound(path)
    q = models.Q(**{f"{field}__gte": path})
    if upper is not None:
        q &= models.Q(**{f"{field}__lt": upper})
    return q


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree(self, unit: Unit) -> UnitQuerySet:
        return self.filter(subtree_q(unit.path))


class Unit(models.Model):
    code = models.CharField(_("代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=15, unique=True, editable=False)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("辖区单位")
        verbose_name_plural = _("辖区单位")

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Unit]:
        """Ancestors from the root down, excluding self (one query)."""
        prefixes = {self.path[:n] for n in (2, 4, 6, 9, 12) if n < len(self.path)}
        return list(Unit.objects.filter(path__in=prefixes).order_by("path"))

    def contains(self, other: Unit | None) -> bool:
        return other is not None and other.path.startswith(self.path)

    @property
    def full_name(self) -> str:
        return "".join(u.name for u in self.ancestors() if u.level != Level.PROVINCE) + self.name


def jurisdiction_root() -> Unit | None:
    """The top of the data. Divisions are loaded under one root (the city, say) together with
    that root's ancestors (its province), which hold nothing of their own; so walk down from
    the top of the tree while a unit has a single child. None when there are several tops."""
    tops = list(Unit.objects.filter(parent=None)[:2])
    if len(tops) != 1:
        return None
    unit = tops[0]
    while True:
        children = list(unit.children.all()[:2])
        if len(children) != 1:
            return unit
        unit = children[0]


def at_top(unit: Unit) -> bool:
    """Whether no ancestor of `unit` is inside the jurisdiction: the root itself (or, where
    someone works above it, that unit)."""
    root = jurisdiction_root()
    if root is None:
        return unit.parent_id is None
    return root.path.startswith(unit.path)
