"""Pages of screening and mediation: the monthly report (made for a phone), the completeness
calendar, dispute cases with their steps, incidents, statistics."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, scoped
from tongxin.audit.services import Action, audit_record
from tongxin.core.filters import filtered, refuses_bad_filters, say_shown_instead
from tongxin.exchange.lists import export_context, export_response
from tongxin.geo.models import Level, subtree_q
from tongxin.registry.models import Person
from tongxin.registry.services import find_by_document

from . import metrics, selectors, services
from .forms import (
    ConcludeForm,
    DisputeEditForm,
    DisputeForm,
    EscalateForm,
    FollowUpForm,
    IncidentForm,
    PartyFields,
    RuleForm,
    ScreeningReportForm,
    SessionForm,
)
from .models import (
    Dispute,
    EthnicReview,
    FollowUpHonoured,
    Incident,
    Kind,
    PartyRole,
    Result,
    RiskLevel,
    ScreeningReport,
    ScreeningRule,
    Severity,
    Status,
    last_month,
    month_start,
)

# --- monthly screening -----------------------------------------------------------------


@capability_required(Cap.DISPUTE_READ)
def screening_list(request):
    reports = selectors.report_list_for(request.user, request.GET)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/screening_list.html",
        {
            "page": page,
            "month": request.GET.get("month", ""),
            "can_file": request.user.can(Cap.SCREENING_FILE),
            "can_calendar": request.user.can(Cap.DASHBOARD),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.DISPUTE_READ, Cap.LIST_EXPORT)
def screening_export(request):
    """The monthly reports on the page (its month and unit), every one, as Excel or CSV."""
    from .exports import SCREENING, report_rows

    reports = selectors.report_list_for(request.user, request.GET)
    return export_response(request, SCREENING, report_rows(reports))


def _default_period(communities) -> str:
    """Last month while the only community has not filed it, else this month."""
    today = timezone.localdate()
    last = last_month(today)
    if communities.count() == 1:
        if not ScreeningReport.objects.filter(unit=communities.first(), period=last).exists():
            return f"{last:%Y-%m}"
        return f"{month_start(today):%Y-%m}"
    return f"{last:%Y-%m}"


@capability_required(Cap.SCREENING_FILE)
def screening_new(request):
    communities = selectors.fileable_communities(request.user)
    form = ScreeningReportForm(
        request.POST or None, communities=communities, initial_period=_default_period(communities)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.report_file(
                actor=request.user,
                unit=d["unit"],
                period=selectors.parse_month(d["period"]) or month_start(timezone.localdate()),
                is_zero=d["is_zero"],
                visits=d["visits"] or 0,
                notes=d["notes"],
                tendencies=d["tendencies"],
                filed_at=timezone.make_aware(datetime.combine(d["filed_on"], time(12)))
                if d["filed_on"]
                else None,
                paper_reason=d["paper_reason"],
                http_request=request,
            )
        except services.DisputeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已填报 %(u)s %(m)s 的排查报告。")
                % {"u": report.unit.name, "m": f"{report.period:%Y-%m}"},
            )
            return redirect("disputes:screening_detail", pk=report.pk)
    recent = []
    community = communities.first() if communities.count() == 1 else None
    if community is not None:
        for month in selectors.months_back(timezone.localdate(), 3):
            found = Dispute.objects.filter(
                subtree_q(community.path, "unit_path"),
                found_on__gte=month,
                found_on__lt=services.next_month(month),
            ).count()
            filed = ScreeningReport.objects.filter(unit=community, period=month).first()
            recent.append((month, found, filed))
    return render(
        request,
        "disputes/screening_form.html",
        {"form": form, "recent": recent, "rule": ScreeningRule.current()},
    )


@capability_required(Cap.DISPUTE_READ)
def screening_detail(request, pk: int):
    report = get_scoped_or_404(
        request.user, ScreeningReport.objects.select_related("unit", "filed_by"), pk=pk
    )
    disputes = scoped(request.user, report.disputes.select_related("unit"))
    return render(
        request,
        "disputes/screening_detail.html",
        {"report": report, "disputes": disputes, "hidden": report.disputes.count() - len(disputes)},
    )


@capability_required(Cap.DASHBOARD)
def screening_calendar(request):
    root = selectors.calendar_root(request.user, request.GET.get("unit"))
    if root is None:
        raise Http404
    this_month = month_start(timezone.localdate())
    end = min(selectors.parse_month(request.GET.get("end")) or this_month, this_month)
    months = selectors.months_back(end, 12)
    calendar = selectors.completeness(request.user, root, months)
    visible = root.ancestors() if request.user.data_scope == "all" else []
    if request.user.unit is not None and request.user.data_scope != "all":
        visible = [u for u in root.ancestors() if u.path.startswith(request.user.unit.path)]
    return render(
        request,
        "disputes/calendar.html",
        {
            "calendar": calendar,
            "crumbs": [u for u in visible if u.level != Level.PROVINCE],
            "previous": f"{months[0] - timedelta(days=1):%Y-%m}",
            "next": f"{min(selectors.add_months(end, 12), this_month):%Y-%m}"
            if end < this_month
            else "",
            "can_read": request.user.can(Cap.DISPUTE_READ),
        },
    )


@capability_required(Cap.DEPARTMENT_MANAGE)
def screening_rule(request):
    rule = ScreeningRule.current()
    form = RuleForm(
        request.POST or None,
        initial={
            "deadline_working_day": rule.deadline_working_day,
            "reminder_working_days": rule.reminder_working_days,
            "starts_on": rule.starts_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(actor=request.user, http_request=request, **form.cleaned_data)
        except services.DisputeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存月度排查规则。"))
            return redirect("disputes:screening_rule")
    today = timezone.localdate()
    last = last_month(today)
    return render(
        request,
        "disputes/rule.html",
        {"form": form, "example": (last, services.report_deadline(last))},
    )


# --- dispute cases -----------------------------------------------------------------------


@capability_required(Cap.DISPUTE_READ)
def dispute_list(request):
    disputes = filtered(request, selectors.dispute_list_for, empty=Dispute.objects.none())
    page = Paginator(disputes, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disputes/dispute_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "params": request.GET,
            # A month of the API or an older link shows as a range of one month.
            "found_from": request.GET.get("from") or request.GET.get("month") or "",
            "found_to": request.GET.get("to") or request.GET.get("month") or "",
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "can_write": request.user.can(Cap.DISPUTE_WRITE),
            "can_review": request.user.can(Cap.DISPUTE_REVIEW),
            "can_stats": request.user.can(Cap.DASHBOARD),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.DISPUTE_READ, Cap.LIST_EXPORT)
@refuses_bad_filters
def dispute_export(request):
    """The filtered list, every row of it, as Excel or CSV."""
    from .exports import DISPUTES, dispute_rows

    disputes = selectors.dispute_list_for(request.user, request.GET)
    return export_response(request, DISPUTES, dispute_rows(disputes))


def _party(request, form: PartyFields, *, required: bool) -> services.PartyInput | None:
    """A party from its sub-form: a registered person in the user's scope, or a name."""
    d = form.cleaned_data
    person = None
    if d.get("id_number"):
        found = find_by_document("citizen_id", d["id_number"].strip().upper())
        person = scoped(request.user, Person.objects.filter(pk=found.pk)).first() if found else None
        if person is None:
            form.add_error("id_number", _("在您的辖区内没有找到该证件号码的人员；可只填写姓名。"))
            return None
    name = d.get("name") or (person.name if person else "")
    if not name:
        if required:
            form.add_error("name", _("请填写当事人姓名或名称。"))
        return None
    return services.PartyInput(
        name=name,
        role=d["role"],
        person=person,
        description=d.get("description", ""),
        interpreter_needed=d.get("interpreter_needed", False),
    )


@capability_required(Cap.DISPUTE_WRITE)
def dispute_new(request):
    user = request.user
    units = services.units_in_scope(user, [Level.COMMUNITY, Level.STREET, Level.DISTRICT])
    grids = services.units_in_scope(user, [Level.GRID])
    form = DisputeForm(request.POST or None, units=units, grids=grids)
    first = PartyFields(request.POST or None, prefix="p1", initial={"role": PartyRole.APPLICANT})
    second = PartyFields(request.POST or None, prefix="p2", initial={"role": PartyRole.RESPONDENT})
    if request.method == "POST" and form.is_valid() and first.is_valid() and second.is_valid():
        parties = [_party(request, first, required=True), _party(request, second, required=False)]
        if not first.errors and not second.errors:
            d = form.cleaned_data
            try:
                dispute = services.dispute_create(
                    actor=user,
                    unit=d["unit"] or d["grid"].parent,
                    grid=d["grid"],
                    kind=d["kind"],
                    source=d["source"],
                    place=d["place"],
                    occurred_on=d["occurred_on"],
                    found_on=d["found_on"],
                    facts=d["facts"],
                    risk_level=d["risk_level"],
                    parties=[p for p in parties if p is not None],
                    involves_ethnic_factors=d["involves_ethnic_factors"],
                    ethnic_factors_reason=d["ethnic_factors_reason"],
                    http_request=request,
                )
            except services.DisputeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已登记矛盾纠纷 %(n)s。") % {"n": dispute.number})
                return redirect("disputes:dispute_detail", pk=dispute.pk)
    return render(request, "disputes/dispute_form.html", {"form": form, "parties": [first, second]})


def _dispute_or_404(request, pk: int) -> Dispute:
    return get_scoped_or_404(
        request.user,
        Dispute.objects.select_related(
            "unit", "grid", "created_by", "ethnic_set_by", "ethnic_reviewed_by", "report"
        ),
        pk=pk,
    )


def _act(request, dispute: Dispute) -> str:
    """One step on the dispute page; returns the success message."""
    user, post, action = request.user, request.POST, request.POST.get("action", "")
    form: Any
    if action in ("review_confirm", "review_reject"):
        services.ethnic_factors_review(
            actor=user,
            dispute=dispute,
            confirm=action == "review_confirm",
            note=post.get("note", ""),
            http_request=request,
        )
        return _("已复核。")
    if not user.can(Cap.DISPUTE_WRITE):
        raise services.DisputeError(_("您没有调处矛盾纠纷的权限。"))
    if action == "session":
        form = SessionForm(post)
        if not form.is_valid():
            raise services.DisputeError(_("请完整填写调解日期、调解人员和调解情况。"))
        services.session_add(actor=user, dispute=dispute, http_request=request, **form.cleaned_data)
        return _("已添加调解记录。")
    if action == "conclude":
        form = ConcludeForm(post)
        if not form.is_valid():
            raise services.DisputeError(_("请选择调处结果。"))
        services.dispute_conclude(
            actor=user,
            dispute=dispute,
            result=form.cleaned_data["result"],
            note=form.cleaned_data["note"],
            http_request=request,
        )
        return _("已结案。")
    if action == "reopen":
        services.dispute_reopen(
            actor=user, dispute=dispute, reason=post.get("note", ""), http_request=request
        )
        return _("已重新启动调解。")
    if action == "follow_up":
        form = FollowUpForm(post)
        if not form.is_valid():
            raise services.DisputeError(_field_errors(form))
        services.follow_up_add(
            actor=user, dispute=dispute, http_request=request, **form.cleaned_data
        )
        return _("已添加回访记录。")
    if action == "party":
        form = PartyFields(post, prefix="party")
        party = _party(request, form, required=True) if form.is_valid() else None
        if party is None:
            errors = [str(e) for errs in form.errors.values() for e in errs]
            raise services.DisputeError(" ".join(errors) or _("请填写当事人姓名或名称。"))
        services.party_add(actor=user, dispute=dispute, party=party, http_request=request)
        return _("已添加当事人。")
    if action == "ethnic_set":
        services.ethnic_factors_set(
            actor=user, dispute=dispute, reason=post.get("reason", ""), http_request=request
        )
        return _("已提交上级复核。")
    if action == "escalate":
        form = EscalateForm(post)
        if not form.is_valid():
            raise services.DisputeError(_field_errors(form))
        incident = services.dispute_escalate(
            actor=user, dispute=dispute, http_request=request, **form.cleaned_data
        )
        return _("已升级为突发事件 %(n)s，区、市两级已收到通知。") % {"n": incident.number}
    if action == "document":
        upload = request.FILES.get("file")
        if not upload:
            raise services.DisputeError(_("请选择要上传的文件。"))
        services.document_add(
            actor=user,
            dispute=dispute,
            upload=upload,
            is_agreement=bool(post.get("is_agreement")),
            http_request=request,
        )
        return _("已上传。")
    raise services.DisputeError(_("未知的操作。"))


def _field_errors(form) -> str:
    """The problems of one of the detail page's small forms, each named by its field
    (「涉及人数：请输入整数。」), so the message says what to correct."""
    return " ".join(
        f"{form.fields[name].label}：{error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


@capability_required(Cap.DISPUTE_READ)
def dispute_detail(request, pk: int):
    dispute = _dispute_or_404(request, pk)
    typed: dict = {}
    if request.method == "POST":
        try:
            message = _act(request, dispute)
        except services.DisputeError as exc:
            # Shown again with what was typed, so nothing has to be entered twice.
            messages.error(request, str(exc))
            typed = request.POST
            dispute = _dispute_or_404(request, pk)
        else:
            messages.success(request, message)
            return redirect("disputes:dispute_detail", pk=dispute.pk)
    audit_record(action=Action.READ, request=request, obj=dispute, purpose=_("查看矛盾纠纷"))
    user = request.user
    incident = Incident.objects.filter(dispute=dispute).first()
    return render(
        request,
        "disputes/dispute_detail.html",
        {
            "item": dispute,
            "parties": dispute.parties.select_related("person"),
            "sessions": dispute.sessions.select_related("recorded_by"),
            "follow_ups": dispute.follow_ups.select_related("recorded_by"),
            "documents": dispute.documents.all(),
            "events": dispute.events.select_related("actor"),
            "incident": incident,
            "can_write": user.can(Cap.DISPUTE_WRITE),
            "review_refusal": services.review_refusal(user, dispute)
            if dispute.ethnic_review == EthnicReview.PENDING
            else None,
            "can_set_ethnic": user.can(Cap.DISPUTE_WRITE)
            and dispute.ethnic_review in (EthnicReview.NONE, EthnicReview.REJECTED),
            "results": Result.choices,
            "honoured": FollowUpHonoured.choices,
            "roles": PartyRole.choices,
            "severities": Severity.choices,
            "today": timezone.localdate(),
            "typed": typed,
            "typed_action": typed.get("action", "") if typed else "",
        },
    )


@capability_required(Cap.DISPUTE_WRITE)
def dispute_edit(request, pk: int):
    dispute = _dispute_or_404(request, pk)
    if dispute.status == Status.CONCLUDED:
        messages.error(request, services.CONCLUDED_NO_EDIT)
        return redirect("disputes:dispute_detail", pk=dispute.pk)
    form = DisputeEditForm(
        request.POST or None,
        initial={
            "kind": dispute.kind,
            "place": dispute.place,
            "occurred_on": dispute.occurred_on,
            "facts": dispute.facts,
            "risk_level": dispute.risk_level,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_update(
                actor=request.user, dispute=dispute, http_request=request, **form.cleaned_data
            )
        except services.DisputeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("disputes:dispute_detail", pk=dispute.pk)
    return render(request, "disputes/dispute_edit.html", {"form": form, "item": dispute})


@capability_required(Cap.DISPUTE_READ)
def dispute_document(request, pk: int, document: int):
    dispute = _dispute_or_404(request, pk)
    found = dispute.documents.filter(pk=document).first()
    if found is None:
        raise Http404
    audit_record(action=Action.READ, request=request, obj=found, purpose=_("查看矛盾纠纷材料"))
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


# --- incidents ---------------------------------------------------------------------------


@capability_required(Cap.DISPUTE_READ)
def incident_list(request):
    incidents = filtered(request, selectors.incident_list_for, empty=Incident.objects.none())
    page = Paginator(incidents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/incident_list.html",
        {
            "page": page,
            "can_write": request.user.can(Cap.DISPUTE_WRITE),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.DISPUTE_READ, Cap.LIST_EXPORT)
@refuses_bad_filters
def incident_export(request):
    """The incidents on the page, every row of them, as Excel or CSV."""
    from .exports import INCIDENTS, incident_rows

    incidents = selectors.incident_list_for(request.user, request.GET)
    return export_response(request, INCIDENTS, incident_rows(incidents))


@capability_required(Cap.DISPUTE_WRITE)
def incident_new(request):
    units = services.units_in_scope(request.user, [Level.DISTRICT, Level.STREET, Level.COMMUNITY])
    form = IncidentForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(
                actor=request.user, http_request=request, **form.cleaned_data
            )
        except services.DisputeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("已上报突发事件 %(n)s，区、市两级已收到通知。") % {"n": incident.number}
            )
            return redirect("disputes:incident_detail", pk=incident.pk)
    return render(request, "disputes/incident_form.html", {"form": form})


@capability_required(Cap.DISPUTE_READ)
def incident_detail(request, pk: int):
    incident = get_scoped_or_404(
        request.user, Incident.objects.select_related("unit", "dispute", "reported_by"), pk=pk
    )
    if request.method == "POST":
        if not request.user.can(Cap.DISPUTE_WRITE):
            return render(request, "403.html", status=403)
        try:
            services.incident_update(
                actor=request.user,
                incident=incident,
                measures=request.POST.get("measures", ""),
                close=bool(request.POST.get("close")),
                http_request=request,
            )
        except services.DisputeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已保存。"))
        return redirect("disputes:incident_detail", pk=incident.pk)
    return render(
        request,
        "disputes/incident_detail.html",
        {
            "item": incident,
            "can_write": request.user.can(Cap.DISPUTE_WRITE),
            "can_read_dispute": incident.dispute_id is not None
            and scoped(request.user, Dispute.objects.filter(pk=incident.dispute_id)).exists(),
        },
    )


# --- statistics --------------------------------------------------------------------------


@capability_required(Cap.DASHBOARD)
def statistics(request):
    user = request.user
    root = selectors.calendar_root(user, request.GET.get("unit"))
    if root is None:
        raise Http404
    today = timezone.localdate()
    date_to_month = selectors.parse_month(request.GET.get("to"))
    if date_to_month is None:
        date_to_month = month_start(today)
        say_shown_instead(request, "to", _("截止月份"), f"{date_to_month:%Y-%m}")
    date_from = selectors.parse_month(request.GET.get("from"))
    if date_from is None or date_from > date_to_month:
        date_from = selectors.months_back(date_to_month, 12)[0]
        say_shown_instead(request, "from", _("起始月份"), f"{date_from:%Y-%m}")
    date_to = services.next_month(date_to_month) - timedelta(days=1)
    by = request.GET.get("by", "month")
    if by not in metrics.GROUPINGS:
        by = "month"
    disputes = metrics.in_range(
        scoped(
            user,
            Dispute.objects.filter(subtree_q(root.path, "unit_path")),
            capability=Cap.DASHBOARD,
        ),
        "found_on",
        date_from,
        date_to,
    )
    incidents = scoped(
        user, Incident.objects.filter(subtree_q(root.path, "unit_path")), capability=Cap.DASHBOARD
    ).filter(occurred_at__date__gte=date_from, occurred_at__date__lte=date_to)
    months = []
    month = date_from
    while month <= date_to_month:
        months.append(month)
        month = services.next_month(month)
    screening = selectors.completeness(user, root, months[-24:]).totals
    return render(
        request,
        "disputes/statistics.html",
        {
            "root": root,
            "by": by,
            "rows": metrics.dispute_statistics(disputes, by, root.path),
            "incidents": metrics.incident_counts(incidents),
            "screening": screening,
            "date_from": f"{date_from:%Y-%m}",
            "date_to": f"{date_to_month:%Y-%m}",
            "risk_levels": RiskLevel.choices,
            "can_list": user.can(Cap.DISPUTE_READ),
        },
    )
