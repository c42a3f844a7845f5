"""Reads of the registry: search and classified retrieval (分类检索), always scoped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.scoping import scoped
from tongxin.core import crypto
from tongxin.core.bulk import id_set
from tongxin.core.filters import known_value as _known
from tongxin.core.validators import normalise_citizen_id

from .codes import FACT_READER_ROLES, FACT_READERS_BY_DEPARTMENT, HousingKind, Relationship
from .models import DepartmentFact, Household, HouseholdMember, Housing, Person, Stay
from .search_keys import latin_key, spaced_chars

AGE_BANDS = {
    "0-2": (0, 2),
    "3-5": (3, 5),
    "6-14": (6, 14),
    "15-17": (15, 17),
    "18-59": (18, 59),
    "60+": (60, 200),
}
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def birth_range(day: date, low: int, high: int) -> tuple[date, date]:
    """Birth dates of people aged low..high on `day` (inclusive), from fixed cut-offs."""

    def years_before(d: date, n: int) -> date:
        try:
            return d.replace(year=d.year - n)
        except ValueError:  # 29 February
            return d.replace(year=d.year - n, day=28)

    latest = years_before(day, low)
    earliest = years_before(day, high + 1) + (date(2001, 1, 2) - date(2001, 1, 1))
    return earliest, latest


def _phrase_filter(text: str) -> models.Expression:
    """Persons whose name (or former name) contains `text` as consecutive characters."""
    chars = spaced_chars(text)
    if connection.vendor == "postgresql":
        return RawSQL(
            "to_tsvector('simple', registry_person.search_chars) @@ phraseto_tsquery('simple', %s)",
            [chars],
            output_field=models.BooleanField(),
        )
    phrase = '"' + chars.replace('"', "") + '"'
    return RawSQL(
        "registry_person.id IN (SELECT rowid FROM registry_person_fts WHERE registry_person_fts MATCH %s)",
        [phrase],
        output_field=models.BooleanField(),
    )


def _prefix(field: str, prefix: str) -> models.Q:
    """An index-friendly prefix match on a lower-case ASCII key."""
    return models.Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "{"})


def search_q(q: str) -> models.Q | models.Expression | None:
    """What the one search box means: a document number or phone (exact), Chinese
    characters (substring of a name), or letters (pinyin, initials, transliteration)."""
    q = q.strip()
    if not q:
        return None
    compact = re.sub(r"\s", "", q).upper()
    # A phone as registration keeps it (validators.validate_mobile): +86 and dashes off.
    phone = re.sub(r"[\s\-]", "", q)
    phone = phone[3:] if phone.startswith("+86") else phone
    if re.fullmatch(r"1[3-9]\d{9}", phone):
        return models.Q(phone_hash=crypto.blind_index(phone, purpose="phone"))
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", compact):
        return models.Q(
            id_number_hash=crypto.blind_index(normalise_citizen_id(compact), purpose="id_number")
        )
    if re.fullmatch(r"[A-Z0-9]{5,20}", compact) and re.search(r"\d", compact):
        return models.Q(id_number_hash=crypto.blind_index(compact, purpose="id_number"))
    if CJK_RE.search(q):
        return _phrase_filter(q)
    key = latin_key(q)
    if key:
        fields = ("pinyin_initials", "pinyin_full", "latin_key")
        if connection.vendor == "sqlite":
            # One id list from three index-only range scans (UNION ALL): SQLite walks it
            # newest first and stops at the page; an OR of the ranges fetched and sorted
            # every match (docs/performance.md). PostgreSQL does better with the OR.
            by_key = [Person.objects.filter(_prefix(f, key)).values("pk") for f in fields]
            return models.Q(pk__in=by_key[0].union(*by_key[1:], all=True))
        return _prefix(fields[0], key) | _prefix(fields[1], key) | _prefix(fields[2], key)
    return models.Q(pk__in=[])


@dataclass
class PersonFilters:
    q: str = ""
    unit: str = ""
    ethnicity: str = ""
    sex: str = ""
    age_band: str = ""
    origin_province: str = ""
    reason: str = ""
    arrival_from: date | None = None
    arrival_to: date | None = None
    present: bool | None = None
    occupation: str = ""
    education: str = ""
    income_band: str = ""
    insurance: str = ""  # a kind of social insurance, or "none"
    interpreter_needed: bool = False
    school_age_children: bool = False
    age_from: int | None = None  # whole years today (the dashboard's age–sex pyramid)
    age_to: int | None = None
    housing_kind: str = ""  # of the current stay's housing; "none": no housing recorded


def person_list_for(user, filters: PersonFilters) -> models.QuerySet[Person]:
    """Persons in the user's scope matching the filters, newest first (keyset by id)."""
    persons = scoped(user, Person.objects.filter(merged_into__isnull=True))
    condition = search_q(filters.q)
    if condition is not None:
        persons = persons.filter(condition)
    if filters.unit:
        persons = in_unit(persons, filters.unit)
    for field in ("ethnicity", "sex", "origin_province", "occupation", "education", "income_band"):
        value = getattr(filters, field)
        if value:
            persons = persons.filter(**{field: value})
    if filters.insurance == "none":
        persons = persons.filter(insurance_kinds="")
    elif filters.insurance:
        persons = persons.filter(insurance_kinds__contains=filters.insurance)
    if filters.interpreter_needed:
        persons = persons.filter(interpreter_needed=True)
    if filters.reason:
        persons = persons.filter(stay_reason=filters.reason)
    if filters.age_band:
        if filters.age_band not in AGE_BANDS:
            raise ValidationError({"age_band": ["未知的年龄段。"]})
        low, high = AGE_BANDS[filters.age_band]
        earliest, latest = birth_range(timezone.localdate(), low, high)
        persons = persons.filter(birth_date__gte=earliest, birth_date__lte=latest)
    if filters.age_from is not None or filters.age_to is not None:
        earliest, latest = birth_range(
            timezone.localdate(),
            filters.age_from or 0,
            200 if filters.age_to is None else filters.age_to,
        )
        persons = persons.filter(birth_date__gte=earliest, birth_date__lte=latest)
    if filters.housing_kind:
        open_stays = Stay.objects.filter(person=models.OuterRef("pk"), departure_date__isnull=True)
        if filters.housing_kind == "none":
            open_stays = open_stays.filter(housing__isnull=True)
        else:
            open_stays = open_stays.filter(housing__kind=filters.housing_kind)
        persons = persons.filter(models.Exists(open_stays))
    if filters.arrival_from:
        persons = persons.filter(arrival_date__gte=filters.arrival_from)
    if filters.arrival_to:
        persons = persons.filter(arrival_date__lte=filters.arrival_to)
    if filters.present is not None:
        persons = persons.filter(present=filters.present)
    if filters.school_age_children:
        earliest, latest = birth_range(timezone.localdate(), 6, 14)
        households = HouseholdMember.objects.filter(
            person__birth_date__gte=earliest, person__birth_date__lte=latest
        ).values("household_id")
        persons = persons.filter(
            models.Exists(
                HouseholdMember.objects.filter(
                    person=models.OuterRef("pk"), household_id__in=households
                )
            )
        )
    return persons.order_by("-pk")


def keyset_page(
    queryset: models.QuerySet, *, after: int | None, size: int = 50
) -> tuple[list, int | None]:
    """One page of a newest-first list (of records, or of their ids) and the cursor of the
    next page (None at the end)."""
    if after:
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], last if isinstance(last, int) else last.pk


def facts_visible_to(user, person: Person) -> models.QuerySet[DepartmentFact]:
    """Department facts of the categories the user's duty needs."""
    if user.roles & FACT_READER_ROLES:
        return person.facts.select_related("source_department")
    if user.department_id is None:
        return DepartmentFact.objects.none()
    kind = user.department.kind
    categories = [c for c, kinds in FACT_READERS_BY_DEPARTMENT.items() if kind in kinds]
    return person.facts.filter(category__in=categories).select_related("source_department")


RENTAL_WINDOW_DAYS = 30  # "expiring": the rental ends within this many days


def in_unit(rows: models.QuerySet, code: str) -> models.QuerySet:
    """The rows (scoped already) of the unit with this code and those below it; an unknown
    code is a ValidationError the list pages show."""
    from tongxin.geo.models import Unit, subtree_q

    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError({"unit": [_("单位代码不存在。")]})
    return rows.filter(subtree_q(unit.path, "unit_path"))


def housing_list_for(user, params) -> models.QuerySet[Housing]:
    """Housing in the user's scope (以房管人), newest first. Filters: `unit` (a unit code:
    that unit and below), `kind`, `q` (part of the address or the landlord's name: a scan,
    fine within a district), `rental` (`expiring` within 30 days, `expired`). An unknown unit
    code is a ValidationError, as on the person list. `with_residents` adds who lives there."""
    housing = scoped(user, Housing.objects.all())
    _known(params, "kind", HousingKind.values, _("房屋类别"))
    _known(params, "rental", ["expiring", "expired"], _("租期"))
    if params.get("unit"):
        housing = in_unit(housing, params["unit"])
    if params.get("kind"):
        housing = housing.filter(kind=params["kind"])
    q = (params.get("q") or "").strip()
    if q:
        housing = housing.filter(
            models.Q(address__icontains=q) | models.Q(landlord_name__icontains=q)
        )
    today = timezone.localdate()
    if params.get("rental") == "expiring":
        housing = housing.filter(
            rental_end__gte=today, rental_end__lte=today + timedelta(days=RENTAL_WINDOW_DAYS)
        )
    elif params.get("rental") == "expired":
        housing = housing.filter(rental_end__lt=today)
    return housing.order_by("-pk")


def with_residents(housing: models.QuerySet[Housing]) -> models.QuerySet[Housing]:
    """The homes with their grid and how many live there now (open stays; the stays'
    housing index answers each count)."""
    living = Stay.objects.filter(housing=models.OuterRef("pk"), departure_date__isnull=True)
    return housing.select_related("grid").annotate(
        residents=models.Subquery(
            living.order_by().values("housing").annotate(n=models.Count("pk")).values("n")[:1],
            output_field=models.IntegerField(),
        )
    )


def resident_counts(housing_ids) -> dict[int, int]:
    """How many live in each of a chunk of homes now (open stays), in one grouped query
    (the list export; `with_residents` counts per home for a page)."""
    return dict(
        Stay.objects.filter(housing_id__in=id_set(housing_ids), departure_date__isnull=True)
        .order_by()
        .values("housing_id")
        .annotate(n=models.Count("pk"))
        .values_list("housing_id", "n")
    )


def housing_page(
    housing: models.QuerySet[Housing], *, after: int | None, size: int = 50
) -> tuple[list[Housing], int | None]:
    """One keyset page: the ids first (from the index alone, however many homes the scope
    holds), then those rows with their grid and residents — joining before the sort made a
    page of a city-wide scope take seconds at two million homes."""
    ids, next_after = keyset_page(housing.values_list("pk", flat=True), after=after, size=size)
    rows = with_residents(Housing.objects.filter(pk__in=ids)).order_by("-pk")
    return list(rows), next_after


SCHOOLING_GAPS = ("not_enrolled", "dropped_out")  # children to help into school


def household_list_for(user, params) -> models.QuerySet[Household]:
    """Households in the user's scope (一户一档), newest first. Filters: `unit` (that unit and
    below), `q` (part of the home's address), `schooling=gap` (a child of school age not
    enrolled or dropped out: for the education department's help, 同城待遇)."""
    households = scoped(user, Household.objects.all())
    _known(params, "schooling", ["gap"], _("入学情况"))
    if params.get("unit"):
        households = in_unit(households, params["unit"])
    q = (params.get("q") or "").strip()
    if q:
        households = households.filter(housing__address__icontains=q)
    if params.get("schooling") == "gap":
        households = households.filter(
            models.Exists(
                HouseholdMember.objects.filter(
                    household=models.OuterRef("pk"), schooling__in=SCHOOLING_GAPS
                )
            )
        )
    return households.order_by("-pk")


def with_members(households: models.QuerySet[Household]) -> models.QuerySet[Household]:
    """The households with their home, size and children out of school, each counted from
    the members' household index. The head is `heads_for`'s: it depends on who asks."""
    members = HouseholdMember.objects.filter(household=models.OuterRef("pk")).order_by()
    counted = members.values("household").annotate(n=models.Count("pk")).values("n")[:1]
    gaps = (
        members.filter(schooling__in=SCHOOLING_GAPS)
        .values("household")
        .annotate(n=models.Count("pk"))
        .values("n")[:1]
    )
    return households.select_related("housing").annotate(
        size=models.Subquery(counted, output_field=models.IntegerField()),
        schooling_gaps=models.Subquery(gaps, output_field=models.IntegerField()),
    )


def member_counts(household_ids) -> dict[int, tuple[int, int, int | None]]:
    """Each household's size, children out of school and head (a person id, or None), for
    a chunk of households in one grouped query (the list export; `with_members` counts per
    household for a page). A household has at most one head (`one_head_per_household`)."""
    return {
        household: (size, gaps, head)
        for household, size, gaps, head in HouseholdMember.objects.filter(
            household_id__in=id_set(household_ids)
        )
        .order_by()
        .values("household_id")
        .annotate(
            size=models.Count("pk"),
            gaps=models.Count("pk", filter=models.Q(schooling__in=SCHOOLING_GAPS)),
            head=models.Max("person_id", filter=models.Q(relationship=Relationship.HEAD)),
        )
        .values_list("household_id", "size", "gaps", "head")
    }


class Head(NamedTuple):
    """A household's head as the household list shows it: a name linked to the file."""

    pk: int
    name: str


def visible_names(user, person_ids) -> dict[int, str]:
    """The names of those persons the user may see, never a record merged away, in one query
    of plain values (model instances made the household export three times slower)."""
    return dict(
        scoped(
            user, Person.objects.filter(pk__in=id_set(person_ids), merged_into__isnull=True)
        ).values_list("pk", "name")
    )


def heads_for(user, household_ids) -> dict[int, Head]:
    """The head of each household whom the user may see: two small queries, the members
    first. (Joined in one, a grid worker's scope led SQLite through the grid's persons: 0.3 s
    a page at a million; a subquery per household took 0.7 s.)"""
    members = dict(
        HouseholdMember.objects.filter(
            household_id__in=id_set(household_ids), relationship=Relationship.HEAD
        ).values_list("household_id", "person_id")
    )
    names = visible_names(user, members.values())
    return {
        household_id: Head(person_id, names[person_id])
        for household_id, person_id in members.items()
        if person_id in names
    }


def household_page(
    user, households: models.QuerySet[Household], *, after: int | None, size: int = 50
) -> tuple[list[tuple[Household, Head | None]], int | None]:
    """One keyset page, ids first (as `housing_page`), each household with its head."""
    ids, next_after = keyset_page(households.values_list("pk", flat=True), after=after, size=size)
    rows = list(with_members(Household.objects.filter(pk__in=ids)).order_by("-pk"))
    heads = heads_for(user, ids)
    return [(h, heads.get(h.pk)) for h in rows], next_after
