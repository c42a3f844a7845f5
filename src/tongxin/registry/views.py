"""Registry pages. Thin: forms validate, services write, selectors read (scoped)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped, visible_units
from tongxin.audit.models import AuditEvent
from tongxin.audit.services import Action, audit_record
from tongxin.core.codes import ETHNICITY_NAMES
from tongxin.core.filters import refuses_bad_filters
from tongxin.geo.divisions import county_level_name, province_names
from tongxin.geo.models import Level, Unit
from tongxin.services.selectors import requests_of_person

from . import services
from .codes import HousingKind
from .forms import (
    BreakGlassForm,
    DepartureForm,
    DuplicateRuleForm,
    FilterForm,
    MergeForm,
    PersonEditForm,
    StayForm,
    apply_errors,
)
from .history import change_history
from .models import Person
from .selectors import (
    PersonFilters,
    facts_visible_to,
    household_list_for,
    household_page,
    housing_list_for,
    housing_page,
    keyset_page,
    person_list_for,
)


def _grids_for(user):
    return visible_units(user).filter(level=Level.GRID).order_by("code")


def filters_from(request) -> tuple[FilterForm, PersonFilters | None]:
    """The person list's filters from the query; None if any of them is invalid — never
    the list without them, which would be more than was asked for (and exported so)."""
    form = FilterForm(request.GET or None, provinces=province_names())
    if not form.is_valid():
        return form, None if form.is_bound else PersonFilters()
    d = form.cleaned_data
    present = {"1": True, "0": False}.get(d.get("present") or "")
    return form, PersonFilters(
        q=d["q"],
        unit=d["unit"],
        ethnicity=d["ethnicity"],
        sex=d["sex"],
        age_band=d["age_band"],
        origin_province=d["origin_province"],
        reason=d["reason"],
        arrival_from=d["arrival_from"],
        arrival_to=d["arrival_to"],
        present=present,
        occupation=d["occupation"],
        education=d["education"],
        income_band=d["income_band"],
        insurance=d["insurance"],
        interpreter_needed=d["interpreter_needed"],
        school_age_children=d["school_age_children"],
        age_from=d["age_from"],
        age_to=d["age_to"],
        housing_kind=d["housing_kind"],
    )


@capability_required(Cap.PERSON_READ)
def person_list(request):
    from tongxin.exchange.lists import export_context

    form, filters = filters_from(request)
    try:
        if filters is None:
            raise ValidationError(filter_errors(form))
        persons = person_list_for(request.user, filters)
        rows, next_after = keyset_page(persons, after=page_after(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        rows, next_after = [], None
    grids = {u.path: u for u in Unit.objects.filter(path__in={p.unit_path for p in rows})}
    return render(
        request,
        "registry/person_list.html",
        {
            "form": form,
            "rows": [
                (p, grids.get(p.unit_path), ETHNICITY_NAMES.get(p.ethnicity, "")) for p in rows
            ],
            "next_after": next_after,
            "can_export": request.user.can(Cap.PERSON_EXPORT),
            **export_context(request, maskable=True),
            "can_write": request.user.can(Cap.PERSON_WRITE),
            "can_break_glass": request.user.can(Cap.BREAK_GLASS),
        },
    )


def _access_log(person: Person):
    return AuditEvent.objects.filter(
        object_type="registry.person",
        object_id=str(person.pk),
        action__in=["read", "export", "break_glass", "update"],
    ).order_by("-seq")[:50]


@capability_required(Cap.PERSON_READ)
def person_detail(request, pk: int):
    person = get_scoped_or_404(request.user, Person.objects.all(), pk=pk)
    in_scope = scoped(request.user, Person.objects.filter(pk=pk)).exists()
    full = request.user.can(Cap.PERSON_FULL_ID)
    purpose = request.GET.get("purpose", "").strip()[:200] or _("查看人员档案")
    audit_record(
        action=Action.READ if in_scope else Action.BREAK_GLASS,
        request=request,
        obj=person,
        purpose=purpose,
        detail={"full_id": full, "break_glass": not in_scope},
    )
    memberships = person.memberships.select_related("household__housing")
    households = [
        (m, m.household.members.select_related("person").order_by("relationship"))
        for m in memberships
    ]
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "via_break_glass": not in_scope,
            "id_number": person.id_number if full else person.id_number_masked,
            "phone": person.phone if full else person.phone_masked,
            "ethnicity": person.ethnicity_other
            if person.ethnicity == "97"
            else ETHNICITY_NAMES.get(person.ethnicity, ""),
            "hukou_name": county_level_name(person.hukou_code) if person.hukou_code else "",
            "origin_name": county_level_name(person.origin_code) if person.origin_code else "",
            "stays": person.stays.select_related("grid", "housing").order_by(
                "-arrival_date", "-pk"
            ),
            "households": households,
            "facts": facts_visible_to(request.user, person),
            # Through the scope of the request pages: a department sees only what is
            # referred to it, a grid worker only their grid's (accounts.scoping).
            "requests": requests_of_person(request.user, person),
            "can_read_requests": request.user.can(Cap.REQUEST_READ),
            "history": change_history(person),
            "access_log": _access_log(person),
            "can_write": request.user.can(Cap.PERSON_WRITE) and in_scope,
            "can_merge": request.user.can(Cap.PERSON_MERGE) and in_scope,
            "today": timezone.localdate(),
        },
    )


def _initial_from(person: Person, *, full: bool) -> dict:
    """The edit form's values; the ID number and phone only for a role that sees them in
    full (the others get empty inputs, kept when left empty: `PersonEditForm.kept`)."""
    initial = {f: getattr(person, f) for f in PersonEditForm.base_fields if hasattr(person, f)}
    initial["id_number"] = person.id_number if full else ""
    initial["phone"] = person.phone if full else ""
    initial["insurance_kinds"] = [k for k in person.insurance_kinds.split(",") if k]
    initial["birth_date"] = person.birth_date.isoformat()
    if person.residence_permit_valid_until:
        initial["residence_permit_valid_until"] = person.residence_permit_valid_until.isoformat()
    return initial


@capability_required(Cap.PERSON_WRITE)
def person_edit(request, pk: int):
    person = get_scoped_or_404(request.user, Person.objects.all(), pk=pk)
    if not scoped(request.user, Person.objects.filter(pk=pk)).exists():
        raise PermissionDenied  # break-the-glass access is read-only
    full = request.user.can(Cap.PERSON_FULL_ID)
    kept = (
        {}
        if full
        else {
            "id_number": (person.id_number, person.id_number_masked),
            "phone": (person.phone, person.phone_masked),
        }
    )
    form = PersonEditForm(request.POST or None, initial=_initial_from(person, full=full), kept=kept)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.person_update(
                actor=request.user,
                person=person,
                values=form.values,
                reason=form.cleaned_data["change_reason"],
                request=request,
            )
        except ValidationError as exc:
            if isinstance(exc, services.DuplicateDocument):
                services.record_document_clash(exc, actor=request.user, request=request)
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存，修改了 %(n)d 项。") % {"n": len(changed)})
            return redirect("registry:person_detail", pk=person.pk)
    # The form shows the person's data: read like the person page (full_id when in full).
    audit_record(
        action=Action.READ,
        request=request,
        obj=person,
        purpose=_("修改人员信息"),
        detail={"full_id": full, "edit": True},
    )
    return render(request, "registry/person_form.html", {"form": form, "person": person})


def _stay_action(request, pk: int):
    person = get_scoped_or_404(request.user, Person.objects.all(), pk=pk)
    if not scoped(request.user, Person.objects.filter(pk=pk)).exists():
        raise PermissionDenied
    return person


@capability_required(Cap.PERSON_WRITE)
def stay_move(request, pk: int):
    """Move within the city, or return after leaving: the next stay."""
    person = _stay_action(request, pk)
    form = StayForm(request.POST or None, grids=_grids_for(request.user))
    if request.method == "POST" and form.is_valid():
        v = form.values
        try:
            if person.present:
                services.stay_move(
                    actor=request.user,
                    person=person,
                    move_date=v["arrival_date"],
                    grid=v["grid"],
                    reason=v["reason"],
                    address=v["address"],
                    expected_duration=v["expected_duration"],
                    request=request,
                )
            else:
                services.stay_open(actor=request.user, person=person, request=request, **v)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("居住登记已更新。"))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/stay_form.html", {"form": form, "person": person})


@capability_required(Cap.PERSON_WRITE)
def stay_depart(request, pk: int):
    person = _stay_action(request, pk)
    form = DepartureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.stay_close(
                actor=request.user,
                person=person,
                departure_date=form.cleaned_data["departure_date"],
                destination=form.cleaned_data["destination"],
                request=request,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记离开。"))
            return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/depart_form.html", {"form": form, "person": person})


@capability_required(Cap.BREAK_GLASS)
def break_glass(request):
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = services.break_glass(
                actor=request.user,
                id_type=d["id_type"],
                id_number=d["id_number"].strip().upper(),
                reason=d["reason"],
                request=request,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if person is None:
                form.add_error("id_number", _("没有找到该证件号码的档案。本次查询已记录。"))
            else:
                messages.warning(
                    request,
                    _("紧急授权访问已开启 %(n)d 分钟，已通知审计员。")
                    % {"n": services.BREAK_GLASS_MINUTES},
                )
                return redirect("registry:person_detail", pk=person.pk)
    return render(request, "registry/break_glass.html", {"form": form})


@capability_required(Cap.PERSON_MERGE)
def duplicates(request):
    """Probable duplicate pairs in the user's scope, by the active rules."""
    from django.db.models import Count

    from .models import DuplicateRule

    persons = scoped(request.user, Person.objects.filter(merged_into__isnull=True))
    pairs = []
    for rule in DuplicateRule.objects.filter(active=True):
        fields = rule.field_list()
        groups = persons.values(*fields).annotate(n=Count("pk")).filter(n__gt=1).order_by()[:50]
        for group in groups:
            members = list(persons.filter(**{f: group[f] for f in fields}).order_by("pk")[:5])
            for other in members[1:]:
                pairs.append((rule, members[0], other))
    return render(request, "registry/duplicates.html", {"pairs": pairs[:100]})


@capability_required(Cap.PERSON_MERGE)
def duplicate_rules(request):
    """The probable-duplicate rules are configuration: reviewers add and switch them."""
    from .models import DuplicateRule

    form = (
        DuplicateRuleForm(request.POST or None)
        if request.POST.get("action") == "add"
        else DuplicateRuleForm()
    )
    if request.method == "POST":
        if request.POST.get("action") == "toggle":
            rule = DuplicateRule.objects.filter(pk=request.POST.get("rule")).first()
            if rule is None:
                raise Http404
            services.duplicate_rule_save(
                actor=request.user, rule=rule, active=not rule.active, request=request
            )
            return redirect("registry:duplicate_rules")
        if form.is_valid():
            services.duplicate_rule_save(
                actor=request.user,
                name=form.cleaned_data["name"],
                fields=form.cleaned_data["compare"],
                request=request,
            )
            messages.success(request, _("已添加规则。"))
            return redirect("registry:duplicate_rules")
    labels = dict(DuplicateRuleForm.base_fields["compare"].choices)  # type: ignore[attr-defined]
    rules = [
        (r, "、".join(str(labels.get(f, f)) for f in r.field_list()))
        for r in DuplicateRule.objects.order_by("pk")
    ]
    return render(request, "registry/duplicate_rules.html", {"rules": rules, "form": form})


@capability_required(Cap.PERSON_MERGE)
def merge(request, pk: int, other: int):
    survivor = get_scoped_or_404(request.user, Person.objects.all(), pk=pk)
    duplicate = get_scoped_or_404(request.user, Person.objects.all(), pk=other)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_merge(
                actor=request.user,
                survivor=survivor,
                duplicate=duplicate,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("已合并：档案 %(b)s 的记录已并入 %(a)s。")
                % {"a": survivor.pk, "b": duplicate.pk},
            )
            return redirect("registry:person_detail", pk=survivor.pk)
    for p in (survivor, duplicate):
        audit_record(action=Action.READ, request=request, obj=p, purpose=_("重复档案比对"))
    fields = [
        "name",
        "sex",
        "birth_date",
        "ethnicity",
        "id_number_masked",
        "phone_masked",
        "origin_code",
        "hukou_address",
        "employer",
        "unit_path",
        "present",
    ]
    labels = {
        f: _("手机号码")
        if f == "phone_masked"
        else getattr(Person._meta.get_field(f), "verbose_name", f)
        for f in fields
    }
    rows = [(labels[f], getattr(survivor, f), getattr(duplicate, f)) for f in fields]
    return render(
        request, "registry/merge.html", {"form": form, "a": survivor, "b": duplicate, "rows": rows}
    )


@capability_required(Cap.PERSON_READ)
def housing_list(request):
    """The housing of the user's scope (以房管人): rented homes and their landlords, how many
    live there now, rentals about to end or ended; keyset pages like the person list."""
    from tongxin.exchange.lists import export_context

    after = page_after(request)
    try:
        rows, next_after = housing_page(housing_list_for(request.user, request.GET), after=after)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        rows, next_after = [], None
    return render(
        request,
        "registry/housing_list.html",
        {
            "rows": rows,
            "next_after": next_after,
            "params": request.GET,
            "kinds": HousingKind.choices,
            # Housing is the registry's: exported with the persons' right, not the lists'.
            "can_export": request.user.can(Cap.PERSON_EXPORT),
            **export_context(request, maskable=True),
        },
    )


@capability_required(Cap.PERSON_EXPORT)
@refuses_bad_filters
def housing_export(request):
    """The housing on the page (its filters), every home, as Excel or CSV."""
    from tongxin.exchange.exports import HOUSING, housing_rows
    from tongxin.exchange.lists import export_maskable

    housing = housing_list_for(request.user, request.GET)
    return export_maskable(request, HOUSING, lambda full: housing_rows(housing, full=full))


@capability_required(Cap.PERSON_READ)
def household_list(request):
    """The households of the user's scope (一户一档): head, home, size, children of school age
    out of school; keyset pages."""
    from tongxin.exchange.lists import export_context

    try:
        households = household_list_for(request.user, request.GET)
        rows, next_after = household_page(request.user, households, after=page_after(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        rows, next_after = [], None
    grids = {u.path: u for u in Unit.objects.filter(path__in={h.unit_path for h, _ in rows})}
    return render(
        request,
        "registry/household_list.html",
        {
            "rows": [(h, head, grids.get(h.unit_path)) for h, head in rows],
            "next_after": next_after,
            "params": request.GET,
            "can_export": request.user.can(Cap.PERSON_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.PERSON_EXPORT)
@refuses_bad_filters
def household_export(request):
    """The households on the page (its filters), every one, as Excel or CSV."""
    from tongxin.exchange.exports import HOUSEHOLDS, household_rows
    from tongxin.exchange.lists import export_response

    households = household_list_for(request.user, request.GET)
    return export_response(request, HOUSEHOLDS, household_rows(request.user, households))


def page_after(request) -> int | None:
    """The keyset cursor of a list page (`after`), or None; anything but ASCII digits is None
    ("²" passes `isdigit` and fails `int`)."""
    after = request.GET.get("after", "")
    return int(after) if after.isascii() and after.isdigit() else None


@capability_required(Cap.PERSON_EXPORT)
def person_export(request):
    """The filtered list as Excel or CSV (`format`), streamed; masked unless the role allows
    and a purpose is given."""
    from tongxin.exchange.exports import person_export  # the exports of every list live there

    form, filters = filters_from(request)
    if filters is None:
        return HttpResponseBadRequest(filter_errors(form))
    return person_export(request, filters)


def filter_errors(form) -> str:
    """What is wrong with a list's filters, field by field, in one message."""
    wrong = "；".join(
        f"{form.fields[name].label}：{' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )
    return _("筛选条件有误，未查询：%(wrong)s 请更正后再试。") % {"wrong": wrong}
