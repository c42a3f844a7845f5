"""The household visit (入户调查): housing → household → members with their stays, in one
flow on a phone. The draft is saved on every step; checks run as the worker types (htmx);
nothing is written to the registry until the whole household is valid."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import scoped, visible_units
from tongxin.core.codes import ETHNICITY_NAMES
from tongxin.geo.models import Level

from . import services
from .codes import Relationship
from .forms import HousingForm, MemberForm
from .models import Person, VisitDraft

MEMBER_PREFIX = "m"
HOUSING_PREFIX = "h"


def _draft(request, pk: int) -> VisitDraft:
    draft = VisitDraft.objects.filter(pk=pk, user=request.user).first()
    if draft is None:
        raise Http404
    return draft


def _grids(user):
    return visible_units(user).filter(level=Level.GRID).order_by("code")


def _housing_form(request, data: dict, bound: bool):
    initial = data.get("housing") or {}
    if not initial.get("grid") and request.user.unit and request.user.unit.level == Level.GRID:
        initial = {**initial, "grid": request.user.unit.code}
    if bound:
        return HousingForm(request.POST, prefix=HOUSING_PREFIX, grids=_grids(request.user))
    if data.get("housing"):
        form = HousingForm(
            {f"{HOUSING_PREFIX}-{k}": v for k, v in initial.items()},
            prefix=HOUSING_PREFIX,
            grids=_grids(request.user),
        )
        form.is_valid()
        return form
    return HousingForm(prefix=HOUSING_PREFIX, initial=initial, grids=_grids(request.user))


def _member_payload(post) -> dict:
    data = {}
    for key in MemberForm.base_fields:
        name = f"{MEMBER_PREFIX}-{key}"
        data[key] = post.getlist(name) if key == "insurance_kinds" else post.get(name, "")
    return data


def _document_clash(
    request, values: dict, members: list[dict], skip: int | None = None
) -> str | None:
    """A message if the document is already registered (linked only if the record is in the
    user's scope; the hit is audited), or already in this household."""
    number = values.get("id_number")
    if not number:
        return None
    clash = services.document_clash(
        actor=request.user,
        id_type=values.get("id_type") or "citizen_id",
        number=number,
        request=request,
    )
    if clash is not None:
        return clash.message_dict["id_number"][0]
    for i, m in enumerate(members):
        if i != skip and m.get("id_number", "").strip().upper() == number:
            return _("该证件号码与本户第 %(n)d 位成员重复。") % {"n": i + 1}
    return None


def _duplicate_warnings(user, members: list[dict]) -> dict[int, tuple[list[Person], int]]:
    """Probable duplicates (by the configured rules) per member, shown before saving."""
    warnings = {}
    for i, raw in enumerate(members):
        form = MemberForm({f"{MEMBER_PREFIX}-{k}": v for k, v in raw.items()}, prefix=MEMBER_PREFIX)
        if form.is_valid():
            matches = services.probable_duplicates(form.values)
            visible = list(scoped(user, matches)[:5])
            hidden = matches.count() - len(visible)
            if visible or hidden:
                warnings[i] = (visible, hidden)
    return warnings


@capability_required(Cap.PERSON_WRITE)
def visit_list(request):
    drafts = VisitDraft.objects.filter(user=request.user)
    rows = []
    for d in drafts:
        data = d.data
        rows.append(
            (d, (data.get("housing") or {}).get("address", ""), len(data.get("members", [])))
        )
    return render(request, "registry/visit_list.html", {"rows": rows})


@capability_required(Cap.PERSON_WRITE)
def visit_new(request):
    if request.method != "POST":
        return redirect("registry:visit_list")
    draft = VisitDraft(user=request.user)
    draft.data = {"housing": {}, "members": []}
    draft.save()
    return redirect("registry:visit_edit", pk=draft.pk)


@capability_required(Cap.PERSON_WRITE)
def visit_edit(request, pk: int):
    draft = _draft(request, pk)
    data = draft.data
    action = request.POST.get("action") if request.method == "POST" else None
    housing_form = _housing_form(request, data, bound=action == "housing")
    member_form = MemberForm(
        prefix=MEMBER_PREFIX, initial={"relationship": "" if data["members"] else Relationship.HEAD}
    )
    if action == "housing":
        data["housing"] = {
            k: request.POST.get(f"{HOUSING_PREFIX}-{k}", "") for k in HousingForm.base_fields
        }
        draft.data = data
        draft.save()
        if housing_form.is_valid():
            messages.success(request, _("房屋信息已保存。"))
            return redirect(f"{reverse('registry:visit_edit', args=[pk])}#members")
    elif action == "member":
        raw = _member_payload(request.POST)
        member_form = MemberForm(request.POST, prefix=MEMBER_PREFIX)
        if member_form.is_valid():
            clash = _document_clash(request, member_form.values, data["members"])
            if clash:
                member_form.add_error("id_number", clash)
        if member_form.is_valid() and not member_form.errors:
            data["members"].append(raw)
            data.pop("member_form", None)
            draft.data = data
            draft.save()
            messages.success(
                request, _("已添加成员 %(name)s。") % {"name": member_form.values["name"]}
            )
            return redirect(f"{reverse('registry:visit_edit', args=[pk])}#members")
        data["member_form"] = raw  # keep what was typed
        draft.data = data
        draft.save()
    elif data.get("member_form"):
        member_form = MemberForm(
            {f"{MEMBER_PREFIX}-{k}": v for k, v in data["member_form"].items()},
            prefix=MEMBER_PREFIX,
        )
    members = [
        (
            i,
            m,
            ETHNICITY_NAMES.get(m.get("ethnicity", ""), ""),
            dict(Relationship.choices).get(m.get("relationship"), ""),
        )
        for i, m in enumerate(data["members"])
    ]
    return render(
        request,
        "registry/visit_edit.html",
        {
            "draft": draft,
            "housing_form": housing_form,
            "member_form": member_form,
            "members": members,
            "warnings": _duplicate_warnings(request.user, data["members"]),
            "housing_saved": bool(data.get("housing")) and housing_form.is_valid(),
        },
    )


@capability_required(Cap.PERSON_WRITE)
@require_POST
def visit_check(request, pk: int):
    """Inline check of the member form as it is typed: each field's message, swapped in."""
    draft = _draft(request, pk)
    form = MemberForm(request.POST, prefix=MEMBER_PREFIX)
    form.is_valid()
    touched = {
        k for k in MemberForm.base_fields if request.POST.get(f"{MEMBER_PREFIX}-{k}", "").strip()
    }
    errors = {name: [str(e) for e in form.errors.get(name, [])] for name in MemberForm.base_fields}
    if not errors.get("id_number") and getattr(form, "values", None):
        clash = _document_clash(request, form.values, draft.data.get("members", []))
        if clash:
            errors["id_number"] = [clash]
    # Only fields already filled in are judged; empty ones are not nagged about yet.
    html = "".join(
        render_to_string(
            "registry/_field_errors.html",
            {
                "id": f"id_{MEMBER_PREFIX}-{name}_errors",
                "errors": errors[name]
                if name in touched or name == "ethnicity_other" and "ethnicity" in touched
                else [],
            },
        )
        for name in MemberForm.base_fields
    )
    data = draft.data
    data["member_form"] = _member_payload(request.POST)
    draft.data = data
    draft.save(update_fields=["data_enc", "updated_at"])
    return HttpResponse(html)


@capability_required(Cap.PERSON_WRITE)
@require_POST
def visit_member_remove(request, pk: int, index: int):
    draft = _draft(request, pk)
    data = draft.data
    if 0 <= index < len(data["members"]):
        data["members"].pop(index)
        draft.data = data
        draft.save()
    return redirect(f"{reverse('registry:visit_edit', args=[pk])}#members")


@capability_required(Cap.PERSON_WRITE)
@require_POST
def visit_submit(request, pk: int):
    draft = _draft(request, pk)
    data = draft.data
    grids = _grids(request.user)
    housing_form = HousingForm(
        {f"{HOUSING_PREFIX}-{k}": v for k, v in (data.get("housing") or {}).items()},
        prefix=HOUSING_PREFIX,
        grids=grids,
    )
    problems = []
    if not housing_form.is_valid():
        problems.append(_("请先填写并保存房屋信息。"))
    if not data["members"]:
        problems.append(_("请至少添加一名家庭成员。"))
    forms = [
        MemberForm({f"{MEMBER_PREFIX}-{k}": v for k, v in m.items()}, prefix=MEMBER_PREFIX)
        for m in data["members"]
    ]
    for i, form in enumerate(forms):
        if not form.is_valid():
            problems.append(_("第 %(n)d 位成员的信息有误，请删除后重新添加。") % {"n": i + 1})
    heads = sum(1 for m in data["members"] if m.get("relationship") == Relationship.HEAD)
    if data["members"] and heads != 1:
        problems.append(_("一户须有且只有一位户主。"))
    if problems:
        for p in problems:
            messages.error(request, p)
        return redirect("registry:visit_edit", pk=pk)
    try:
        with transaction.atomic():
            housing = services.housing_create(
                actor=request.user, values=housing_form.values, request=request
            )
            grid = housing.grid
            household = services.household_create(
                actor=request.user, housing=housing, grid=grid, request=request
            )
            first = None
            for form in forms:
                stay = {
                    **form.stay_values,
                    "grid": grid,
                    "housing": housing,
                    "address": housing.address,
                }
                person = services.person_create(
                    actor=request.user,
                    values=form.values,
                    stay=stay,
                    request=request,
                    reason=_("入户调查"),
                )
                services.household_add_member(
                    actor=request.user,
                    household=household,
                    person=person,
                    relationship=form.cleaned_data["relationship"],
                    schooling=form.cleaned_data["schooling"],
                    request=request,
                )
                first = first or person
            draft.delete()
    except ValidationError as exc:
        if isinstance(exc, services.DuplicateDocument):
            services.record_document_clash(exc, actor=request.user, request=request)
        for message in exc.messages:
            messages.error(request, message)
        return redirect("registry:visit_edit", pk=pk)
    messages.success(request, _("入户调查已保存：%(n)d 人。") % {"n": len(forms)})
    return redirect("registry:person_detail", pk=first.pk if first else 0)
