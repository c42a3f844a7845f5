"""Pages of the statistical forms: completeness of a level, one unit's form (submit, accept,
return), its print page, Excel and PDF, the comparison with the registry now, and the
column configuration."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import visible_units
from tongxin.geo.models import Level
from tongxin.registry.forms import apply_errors

from . import exports, selectors, services, tables
from .columns import header_rows
from .forms import ColumnForm
from .models import FormStatus, ReportColumn
from .periods import KINDS, Period, last_complete


def _period(request, kind_default: str = "month") -> Period:
    value = request.GET.get("period", "").strip()
    if value:
        try:
            return Period.parse(value)
        except ValueError:
            raise Http404 from None
    kind = request.GET.get("kind", kind_default)
    if kind not in KINDS:
        kind = kind_default
    return last_complete(kind, timezone.localdate())


def _crumbs(user, unit):
    """The unit's ancestors the user may open (for the breadcrumb)."""
    visible = {u.pk for u in visible_units(user).filter(pk__in=[a.pk for a in unit.ancestors()])}
    return [
        a
        for a in unit.ancestors()
        if a.pk in visible and a.pk != unit.pk and a.level != Level.PROVINCE
    ]


@capability_required(Cap.DASHBOARD)
def index(request):
    unit = selectors.unit_for(request.user, request.GET.get("unit"))
    period = _period(request)
    template = tables.default_template()
    own, children = selectors.completeness(template, unit, period)
    return render(
        request,
        "reports/index.html",
        {
            "unit": unit,
            "period": period,
            "previous": period.previous(),
            "next": period.next() if period.next().end < timezone.localdate() else None,
            "kinds": KINDS,
            "own": own,
            "children": children,
            "filed": sum(1 for e in children if e.form is not None),
            "accepted": sum(1 for e in children if e.state == FormStatus.ACCEPTED),
            "crumbs": _crumbs(request.user, unit),
            "template": template,
            "can_configure": not services.configure_refusal(request.user),
        },
    )


@capability_required(Cap.DASHBOARD)
def form_detail(request, code: str, period: str):
    unit, period_ = _unit_and_period(request, code, period)
    user = request.user
    form = tables.form_of(unit, period_)
    if request.method == "POST":
        action = request.POST.get("action")
        refusal = (
            services.filing_refusal(user, unit)
            if action == "submit"
            else services.review_refusal(user, form)
            if action in ("accept", "return") and form is not None
            else None
        )
        if refusal is None:
            raise Http404
        if refusal:
            raise PermissionDenied(refusal)
        try:
            if action == "submit":
                services.form_submit(
                    actor=user,
                    unit=unit,
                    period=period_,
                    preparer=request.POST.get("preparer", ""),
                    request=request,
                )
                messages.success(request, _("报表已上报。"))
            else:
                services.form_review(
                    actor=user,
                    form=form,
                    accept=action == "accept",
                    comment=request.POST.get("comment", ""),
                    request=request,
                )
                messages.success(
                    request, _("已审核通过。") if action == "accept" else _("已退回下级单位。")
                )
            return redirect(services.form_url(unit, period_))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    table = (
        None
        if form is not None and form.status != FormStatus.RETURNED
        else tables.compute(unit, period_)
    )
    doc = exports.document(unit, period_, form) if table is None else None
    # An upper level submits once every unit below has been accepted: say who is missing.
    waiting = (
        [r.name for r in table.rows if not r.own_level and r.status != FormStatus.ACCEPTED]
        if table is not None and unit.level != Level.COMMUNITY
        else []
    )
    return render(
        request,
        "reports/form.html",
        {
            "unit": unit,
            "period": period_,
            "form": form,
            "table": table,
            "doc": doc,
            "events": form.events.select_related("actor") if form else [],
            "can_submit": not services.filing_refusal(user, unit)
            and (form is None or form.status == FormStatus.RETURNED)
            and period_.end < timezone.localdate(),
            "can_review": form is not None and not services.review_refusal(user, form),
            "accept_refusal": services.accept_refusal(user, form) if form is not None else "",
            "ended": period_.end < timezone.localdate(),
            "waiting": waiting,
            "crumbs": _crumbs(user, unit) + [unit],
            "preparer": request.POST.get("preparer") or user.full_name or user.username,
            "comment": request.POST.get("comment", ""),
        },
    )


def _unit_and_period(request, code: str, period: str):
    """The unit (in the user's scope) and the period of a form's address; else 404."""
    unit = selectors.unit_for(request.user, code)
    try:
        return unit, Period.parse(period)
    except ValueError:
        raise Http404 from None


def _document(request, code: str, period: str) -> exports.Document:
    return exports.document(*_unit_and_period(request, code, period))


@capability_required(Cap.DASHBOARD)
def form_print(request, code: str, period: str):
    doc = _document(request, code, period)
    chunks = [(columns, header_rows(columns)) for columns in doc.chunks()]
    return render(request, "reports/print.html", {"doc": doc, "chunks": chunks})


@capability_required(Cap.DASHBOARD)
def form_export(request, code: str, period: str, fmt: str):
    doc = _document(request, code, period)
    name = f"{doc.unit.code}-{doc.period.key}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx(doc),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "pdf":
        response = HttpResponse(exports.pdf(doc), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@capability_required(Cap.DASHBOARD)
def form_diff(request, code: str, period: str):
    unit, period_ = _unit_and_period(request, code, period)
    form = tables.form_of(unit, period_)
    if form is None:
        raise Http404
    return render(
        request,
        "reports/diff.html",
        {
            "unit": unit,
            "period": period_,
            "form": form,
            "differences": tables.differences(form),
            "crumbs": _crumbs(request.user, unit) + [unit],
        },
    )


def _may_configure(request) -> None:
    refusal = services.configure_refusal(request.user)
    if refusal:
        raise PermissionDenied(refusal)


@capability_required(Cap.REPORT_CONFIGURE)
def column_list(request):
    _may_configure(request)
    template = tables.default_template()
    return render(
        request,
        "reports/columns.html",
        {"template": template, "columns": ReportColumn.objects.filter(template=template)},
    )


@capability_required(Cap.REPORT_CONFIGURE)
def column_edit(request, code: str | None = None):
    _may_configure(request)
    template = tables.default_template()
    column = ReportColumn.objects.filter(template=template, code=code).first() if code else None
    if code and column is None:
        raise Http404
    form = ColumnForm(request.POST or None, instance=column)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.column_save(
                actor=request.user,
                template=template,
                code=column.code if column else d["code"],
                group=d["group"],
                label=d["label"],
                keys=d["keys"],
                order=d["order"],
                active=d["active"],
                column=column,
                request=request,
            )
            messages.success(request, _("报表列已保存；已上报的报表不受影响。"))
            return redirect("reports:columns")
        except ValidationError as exc:
            apply_errors(form, exc)
    return render(request, "reports/column_form.html", {"form": form, "column": column})
