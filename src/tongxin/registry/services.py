"""Registry writes: persons, stays (arrival, move, departure), housing, households,
department facts, merges and break-the-glass access. Each runs in one transaction and
writes its audit event there; change history is kept by simple-history with the actor and
the reason."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from tongxin.accounts.scoping import in_scope
from tongxin.audit.services import Action, audit_record
from tongxin.core import crypto
from tongxin.core.bulk import history_from_rows
from tongxin.core.validators import normalise_citizen_id
from tongxin.geo.models import Level, Unit

from .changes import COUNTED_PERSON_FIELDS, grids_changed, persons_changed
from .codes import IdType, Relationship, StaySource
from .models import (
    BreakGlassGrant,
    DepartmentFact,
    DuplicateRule,
    Household,
    HouseholdMember,
    Housing,
    Person,
    PersonMerge,
    Stay,
    mask_document,
)
from .search_keys import set_search_keys

BREAK_GLASS_MINUTES = 30


class DuplicateDocument(ValidationError):
    """The document number already belongs to a person (never two persons for one document).

    The message links to the existing record only for an actor whose scope holds it; anyone
    else learns only that the document must be checked by the officers above (not which
    record, nor where: the registry must not answer "is this number on file?" city-wide)."""

    def __init__(self, existing: Person, *, actor=None):
        self.existing = existing
        self.visible = actor is not None and in_scope(actor, existing)
        super().__init__({"id_number": [duplicate_message(existing, visible=self.visible)]})


def duplicate_message(existing: Person, *, visible: bool) -> str:
    if visible:
        url = reverse("registry:person_detail", args=[existing.pk])
        return format_html(_('该证件号码已登记，请勿重复建档：<a href="{}">查看已有档案</a>'), url)
    return _("该证件不能在此登记，请交由社区或街道工作人员核查。")


def document_clash(*, actor, id_type: str, number: str, request=None) -> DuplicateDocument | None:
    """The registration check of a document number: the clash with an existing person (as
    `DuplicateDocument`), audited as a lookup of that person; None if the number is free."""
    existing = find_by_document(id_type or IdType.CITIZEN_ID, number)
    if existing is None:
        return None
    clash = DuplicateDocument(existing, actor=actor)
    record_document_clash(clash, actor=actor, request=request)
    return clash


def record_document_clash(clash: DuplicateDocument, *, actor, request=None) -> None:
    """Audit that a registration hit an existing person's document (whether or not the
    actor may see that person): outside a transaction that is rolled back."""
    audit_record(
        action=Action.READ,
        actor=actor,
        request=request,
        obj=clash.existing,
        purpose=_("登记查重：证件号码已登记"),
        detail={"duplicate_check": True, "in_scope": clash.visible},
    )


def document_hash(number: str) -> str:
    return crypto.blind_index(number.upper(), purpose="id_number")


def normalise_document(id_type: str, number: str) -> str:
    """A number as registration stores it: no spaces, upper case, a 15-digit citizen ID
    as its 18-digit form (a lookup of "6301021964 0223 9739" finds the person)."""
    if id_type == IdType.CITIZEN_ID:
        return normalise_citizen_id(number)
    return "".join(number.split()).upper()


def find_by_document(id_type: str, number: str) -> Person | None:
    number = normalise_document(id_type, number)
    return Person.objects.filter(id_type=id_type, id_number_hash=document_hash(number)).first()


def _apply(person: Person, values: dict[str, Any]) -> list[str]:
    """Set values on a person; return the names of the fields that changed."""
    changed = []
    for key, value in values.items():
        if key == "id_number":
            new_hash = document_hash(value)
            if new_hash != person.id_number_hash:
                person.id_number_enc = crypto.encrypt(value)
                person.id_number_hash = new_hash
                person.id_number_masked = mask_document(value)
                changed.append(key)
        elif key == "phone":
            new_hash = crypto.blind_index(value, purpose="phone") if value else ""
            if new_hash != person.phone_hash:
                person.phone_enc = crypto.encrypt(value)
                person.phone_hash = new_hash
                changed.append(key)
        elif getattr(person, key) != value:
            setattr(person, key, value)
            changed.append(key)
    if "origin_code" in values:
        person.origin_province = (person.origin_code or "")[:2]
    set_search_keys(person)
    return changed


def _save_with_history(obj, *, actor, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason
    obj.save()


def _sync_current_stay(person: Person) -> None:
    """Copy the current (or last) stay's grid, arrival and reason onto the person."""
    stay = person.stays.order_by("departure_date", "-arrival_date", "-pk").first()
    open_stay = person.stays.filter(departure_date__isnull=True).first()
    stay = open_stay or person.stays.order_by("-departure_date", "-pk").first() or stay
    if stay is None:
        return
    Person.objects.filter(pk=person.pk).update(
        unit_path=stay.unit_path,
        present=open_stay is not None,
        arrival_date=stay.arrival_date,
        stay_reason=stay.reason,
    )
    person.unit_path, person.present = stay.unit_path, open_stay is not None
    person.arrival_date, person.stay_reason = stay.arrival_date, stay.reason


@transaction.atomic
def person_create(
    *,
    actor,
    values: dict[str, Any],
    stay: dict[str, Any] | None = None,
    request=None,
    reason: str = "",
) -> Person:
    """Register a person (values from `validation.clean_person`), with their first stay."""
    id_type = values.get("id_type") or IdType.CITIZEN_ID
    existing = find_by_document(id_type, values["id_number"])
    if existing is not None:
        raise DuplicateDocument(existing, actor=actor)
    person = Person(created_by=actor, id_type=id_type, unit_path="")
    _apply(person, values)
    if stay is not None:
        person.unit_path = stay["grid"].path
    try:
        with transaction.atomic():
            _save_with_history(person, actor=actor, reason=reason or _("新建档案"))
    except IntegrityError:
        # Another officer registered the same document a moment ago.
        raise DuplicateDocument(
            find_by_document(id_type, values["id_number"]),  # type: ignore[arg-type]
            actor=actor,
        ) from None
    audit_record(action=Action.CREATE, actor=actor, request=request, obj=person, purpose=reason)
    if stay is not None:
        stay_open(actor=actor, person=person, request=request, **stay)
    return person


@transaction.atomic
def person_update(
    *, actor, person: Person, values: dict[str, Any], reason: str, request=None
) -> list[str]:
    refuse_if_merged(person)
    if "id_number" in values:
        other = find_by_document(values.get("id_type") or person.id_type, values["id_number"])
        if other is not None and other.pk != person.pk:
            raise DuplicateDocument(other, actor=actor)
    changed = _apply(person, values)
    if changed:
        _save_with_history(person, actor=actor, reason=reason)
        if COUNTED_PERSON_FIELDS.intersection(changed):
            persons_changed([person.pk])
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            request=request,
            obj=person,
            purpose=reason,
            detail={"fields": changed},
        )
    return changed


class StayError(ValidationError):
    pass


def refuse_if_merged(person: Person) -> None:
    """A merged record is kept as it was: changes go to the record it was merged into (it
    took edits and stays, was shown 在本地 and was in no list)."""
    if person.merged_into_id:
        raise ValidationError(
            _("该档案已并入档案 %(pk)s，请在该档案上登记和修改。") % {"pk": person.merged_into_id}
        )


@transaction.atomic
def stay_open(
    *,
    actor,
    person: Person,
    grid: Unit,
    arrival_date: date,
    reason: str,
    housing: Housing | None = None,
    address: str = "",
    expected_duration: str = "unknown",
    source: str = StaySource.VISIT,
    request=None,
    moved_from: Stay | None = None,
) -> Stay:
    """Record an arrival (or a return) in the city; `moved_from` is the stay a move within
    the city just closed (see `stay_move`)."""
    refuse_if_merged(person)
    if grid.level != Level.GRID:
        raise StayError({"grid": [_("居住登记须落到网格。")]})
    if person.stays.filter(departure_date__isnull=True).exists():
        raise StayError({"arrival_date": [_("该人员已有在住登记；迁往他处请使用“辖区内迁移”。")]})
    last = person.stays.filter(departure_date__isnull=False).order_by("-departure_date").first()
    if last and last.departure_date and arrival_date < last.departure_date:
        raise StayError(
            {
                "arrival_date": [
                    _("来本地日期不能早于上次离开日期（%(d)s）。")
                    % {"d": last.departure_date.isoformat()}
                ]
            }
        )
    stay = Stay(
        person=person,
        grid=grid,
        unit_path=grid.path,
        arrival_date=arrival_date,
        resident_since=moved_from.resident_since if moved_from else arrival_date,
        arrived_by_move=moved_from is not None,
        reason=reason,
        housing=housing,
        address=address or (housing.address if housing else ""),
        expected_duration=expected_duration,
        source=source,
        created_by=actor,
    )
    _save_with_history(stay, actor=actor, reason=_("辖区内迁入") if moved_from else _("登记来本地"))
    grids_changed([(grid.pk, arrival_date)])
    _sync_current_stay(person)
    audit_record(
        action=Action.CREATE, actor=actor, request=request, obj=stay, detail={"person": person.pk}
    )
    return stay


@transaction.atomic
def stay_close(
    *,
    actor,
    person: Person,
    departure_date: date,
    destination: str = "",
    request=None,
    by_move: bool = False,
) -> Stay:
    """Record a departure from the city (or, with `by_move`, the end of a stay that a move
    within the city continues)."""
    from .validation import clean_departure

    refuse_if_merged(person)
    stay = (
        Stay.objects.select_for_update().filter(person=person, departure_date__isnull=True).first()
    )
    if stay is None:
        raise StayError({"departure_date": [_("该人员没有在住登记。")]})
    clean_departure(stay.arrival_date, departure_date)
    stay.departure_date, stay.destination = departure_date, destination
    stay.left_by_move = by_move
    _save_with_history(stay, actor=actor, reason=_("辖区内迁出") if by_move else _("登记离开"))
    grids_changed([(stay.grid_id, departure_date)])
    _sync_current_stay(person)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=request,
        obj=stay,
        detail={"departed": departure_date.isoformat()},
    )
    return stay


@transaction.atomic
def stay_move(
    *,
    actor,
    person: Person,
    move_date: date,
    grid: Unit,
    reason: str,
    housing: Housing | None = None,
    address: str = "",
    expected_duration: str = "unknown",
    source: str = StaySource.VISIT,
    request=None,
) -> Stay:
    """A move within the city: close the current stay and open the next, together."""
    previous = stay_close(
        actor=actor,
        person=person,
        departure_date=move_date,
        destination=grid.name,
        request=request,
        by_move=True,
    )
    return stay_open(
        actor=actor,
        person=person,
        grid=grid,
        arrival_date=move_date,
        reason=reason,
        housing=housing,
        address=address,
        expected_duration=expected_duration,
        source=source,
        request=request,
        moved_from=previous,
    )


@transaction.atomic
def housing_create(*, actor, values: dict[str, Any], request=None) -> Housing:
    grid = values["grid"]
    housing = Housing(
        address=values["address"],
        grid=grid,
        unit_path=grid.path,
        kind=values["kind"],
        landlord_name=values.get("landlord_name", ""),
        landlord_phone_enc=crypto.encrypt(values.get("landlord_phone", "")),
        rental_start=values.get("rental_start"),
        rental_end=values.get("rental_end"),
        created_by=actor,
    )
    _save_with_history(housing, actor=actor, reason=_("新建房屋"))
    audit_record(action=Action.CREATE, actor=actor, request=request, obj=housing)
    return housing


@transaction.atomic
def household_create(*, actor, housing: Housing | None, grid: Unit, request=None) -> Household:
    household = Household(housing=housing, unit_path=grid.path, created_by=actor)
    _save_with_history(household, actor=actor, reason=_("新建家庭户"))
    audit_record(action=Action.CREATE, actor=actor, request=request, obj=household)
    return household


@transaction.atomic
def household_add_member(
    *,
    actor,
    household: Household,
    person: Person,
    relationship: str,
    schooling: str = "na",
    request=None,
) -> HouseholdMember:
    if person.merged_into_id:
        raise ValidationError({"person": [_("该档案已合并到另一档案，请添加合并后的档案。")]})
    other_heads = household.members.filter(relationship=Relationship.HEAD).exclude(person=person)
    if relationship == Relationship.HEAD and other_heads.exists():
        raise ValidationError({"relationship": [_("该户已有户主。")]})
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on
            member, _created = HouseholdMember.objects.update_or_create(
                household=household,
                person=person,
                defaults={"relationship": relationship, "schooling": schooling},
            )
    except IntegrityError:
        if relationship != Relationship.HEAD:
            raise
        # Another head was added meanwhile (one_head_per_household).
        raise ValidationError({"relationship": [_("该户已有户主。")]}) from None
    persons_changed([person.pk])  # school-age children enrolled are counted
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=request,
        obj=household,
        detail={"member": person.pk, "relationship": relationship},
    )
    return member


@transaction.atomic
def fact_record(
    *, actor, person: Person, category: str, value: str, as_of: date, department, request=None
) -> DepartmentFact:
    fact = DepartmentFact(
        person=person, category=category, value=value, as_of=as_of, source_department=department
    )
    _save_with_history(fact, actor=actor, reason=_("部门共享信息"))
    audit_record(
        action=Action.CREATE, actor=actor, request=request, obj=fact, detail={"person": person.pk}
    )
    return fact


def probable_duplicates(
    values: dict[str, Any], *, exclude_pk: int | None = None
) -> models.QuerySet[Person]:
    """Persons matching any active duplicate rule on the given (normalised) values."""
    candidate = Person(
        **{k: v for k, v in values.items() if k in {f.name for f in Person._meta.fields}}
    )
    set_search_keys(candidate)
    q = models.Q()
    for rule in DuplicateRule.objects.filter(active=True):
        fields = rule.field_list()
        criteria = {f: getattr(candidate, f, None) for f in fields}
        if all(criteria.values()):
            q |= models.Q(**criteria)
    if not q:
        return Person.objects.none()
    matches = Person.objects.filter(q, merged_into__isnull=True)
    if exclude_pk:
        matches = matches.exclude(pk=exclude_pk)
    return matches


@transaction.atomic
def duplicate_rule_save(
    *,
    actor,
    rule: DuplicateRule | None = None,
    name: str = "",
    fields: list[str] | None = None,
    active: bool = True,
    request=None,
) -> DuplicateRule:
    creating = rule is None
    rule = rule or DuplicateRule(name=name, fields=",".join(fields or []))
    rule.active = active
    rule.save()
    audit_record(
        action=Action.CREATE if creating else Action.UPDATE,
        actor=actor,
        request=request,
        obj=rule,
        detail={"fields": rule.fields, "active": rule.active},
    )
    return rule


def _person_links() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to Person (future modules included)."""
    links: list[tuple[type[models.Model], str]] = []
    for rel in Person._meta.related_objects:
        model = rel.related_model
        if isinstance(model, str) or model is Person or getattr(model._meta, "auto_created", False):
            continue
        # A break-the-glass grant was for the record it names: moved, it would open the
        # survivor to whoever broke the glass for the duplicate.
        if model.__name__.startswith("Historical") or model in (PersonMerge, BreakGlassGrant):
            continue
        links.append((model, rel.field.name))
    return links


@transaction.atomic
def person_merge(
    *, actor, survivor: Person, duplicate: Person, reason: str, request=None
) -> PersonMerge:
    """Merge a duplicate into the survivor: every linked record moves; the duplicate stays as
    a marked record with its history, and the merge keeps a snapshot of it."""
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("不能把档案与自身合并。"))
    if actor is not None and not (in_scope(actor, survivor) and in_scope(actor, duplicate)):
        # Break-the-glass access reads a record outside one's scope; it changes nothing.
        raise PermissionDenied(_("只能合并本辖区内的档案；紧急授权访问只能查看。"))
    # Locked: a stay registered for the duplicate meanwhile would move without its history.
    duplicate = Person.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.merged_into_id:
        raise ValidationError(_("该档案已被合并。"))
    if survivor.merged_into_id:
        raise ValidationError(_("目标档案已并入其他档案，请合并至该档案。"))
    if not reason.strip():
        raise ValidationError({"reason": [_("请说明合并理由。")]})
    snapshot = {
        f.name: str(getattr(duplicate, f.attname))
        for f in Person._meta.concrete_fields
        if f.name not in ("id_number_enc", "phone_enc", "search_chars")
    }
    # Both files' grids are counted afresh: the duplicate's stays move to the survivor.
    persons_changed([survivor.pk, duplicate.pk])
    moved: dict[str, int] = {}
    # Open stays: the survivor keeps its own open stay; the duplicate's is closed first.
    open_dup = duplicate.stays.filter(departure_date__isnull=True).first()
    if open_dup and survivor.stays.filter(departure_date__isnull=True).exists():
        open_dup.departure_date = max(open_dup.arrival_date, timezone.localdate())
        open_dup.destination = _("合并至档案 %(pk)s") % {"pk": survivor.pk}
        _save_with_history(open_dup, actor=actor, reason=_("档案合并"))
    moved_stays = sorted(duplicate.stays.values_list("pk", flat=True))
    for model, field in _person_links():
        if model is HouseholdMember:
            clash = HouseholdMember.objects.filter(person=survivor).values_list(
                "household_id", flat=True
            )
            HouseholdMember.objects.filter(person=duplicate, household_id__in=list(clash)).delete()
        count = model._default_manager.filter(**{field: duplicate}).update(**{field: survivor})
        if count:
            moved[model._meta.label_lower] = count
    # The stays now belong to the survivor: a history row says when, by whom and why (an
    # update() writes none).
    history_from_rows(
        Stay,
        moved_stays,
        when=connection.ops.adapt_datetimefield_value(timezone.now()),
        kind="~",
        reason=_("档案合并"),
        user_id=getattr(actor, "pk", None),
    )
    duplicate.merged_into = survivor
    duplicate.present = False
    _save_with_history(
        duplicate, actor=actor, reason=_("合并至 %(pk)s：%(r)s") % {"pk": survivor.pk, "r": reason}
    )
    _sync_current_stay(survivor)
    merge = PersonMerge.objects.create(
        survivor=survivor,
        merged=duplicate,
        snapshot=snapshot,
        moved=moved,
        reason=reason,
        merged_by=actor,
    )
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=request,
        obj=survivor,
        purpose=reason,
        detail={"merged": duplicate.pk, "moved": moved},
    )
    return merge


@transaction.atomic
def break_glass(*, actor, id_type: str, id_number: str, reason: str, request=None) -> Person | None:
    """Grant the actor time-limited access to one person outside their scope. Flagged to the
    auditor (action break_glass) whether or not a person was found."""
    from tongxin.accounts.roles import Cap

    if not actor.can(Cap.BREAK_GLASS):
        raise PermissionError
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": [_("请具体说明紧急访问的事由（至少 5 个字）。")]})
    person = find_by_document(id_type, id_number)
    audit_record(
        action=Action.BREAK_GLASS,
        actor=actor,
        request=request,
        object_type="registry.person",
        object_id=person.pk if person else "",
        purpose=reason,
        outcome="success" if person else "failure",
    )
    if person is None:
        return None
    BreakGlassGrant.objects.create(
        user=actor,
        person=person,
        reason=reason,
        expires_at=timezone.now() + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    return person
