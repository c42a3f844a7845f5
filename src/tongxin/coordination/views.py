"""Pages of coordination: supervision tasks with their review, circulation notices (printed
on A4), the annual assessment, inspections, joint meetings, origin-region cooperation and
statistics. Views check the capability, read through the selectors and write through the
services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import modelformset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Cap, Role
from tongxin.accounts.scoping import get_scoped_or_404, scoped
from tongxin.core.filters import filtered, refuses_bad_filters, say_shown_instead, year_param
from tongxin.disputes.selectors import calendar_root
from tongxin.exchange.lists import export_context, export_response
from tongxin.geo.models import Level, Unit, subtree_q
from tongxin.registry.validation import parse_date

from . import metrics, selectors, services
from .forms import (
    AssessmentOpenForm,
    ContactForm,
    CriterionForm,
    ExchangeForm,
    InspectionStartForm,
    MeetingForm,
    NoticeEditForm,
    NoticeForm,
    RegionForm,
    StationForm,
    TaskForm,
    WindowUnitForm,
)
from .models import (
    Assessment,
    AssessmentCriterion,
    AssessmentStatus,
    ChecklistItem,
    ChecklistTemplate,
    ExchangeRecord,
    FindingResult,
    Inspection,
    InspectionStatus,
    JointMeeting,
    MeetingKind,
    MeetingStatus,
    NoticeStatus,
    PartnerRegion,
    SupervisionTask,
    TaskKind,
    TaskStatus,
    Topic,
    WindowKind,
    WindowUnit,
)


def _office_or_none(user) -> Unit | None:
    unit = user.unit
    return unit if unit is not None and unit.level in services.OFFICE_LEVELS else None


def _office_departments(office: Unit | None):
    if office is None:
        return Department.objects.none()
    return Department.objects.filter(subtree_q(office.path, "unit__path")).select_related("unit")


def _office_units(office: Unit | None, levels=services.ASSIGNEE_LEVELS):
    if office is None:
        return Unit.objects.none()
    return Unit.objects.filter(subtree_q(office.path), level__in=levels).order_by("path")


def _posted_date(value: str | None, label: str) -> date | None:
    """A date typed into one of the detail pages' small forms (YYYY-MM-DD), None if left
    empty; one no calendar holds, or outside CALENDAR_YEARS, is refused with a message."""
    try:
        return parse_date(value, label)
    except ValidationError as exc:
        raise services.CoordinationError(" ".join(exc.messages)) from None


def _ok(request, text: str) -> None:
    messages.success(request, text)


# --- supervision tasks -----------------------------------------------------------------------


@capability_required(Cap.COORDINATION_READ)
def task_list(request):
    tasks = filtered(request, selectors.task_list_for, empty=SupervisionTask.objects.none())
    tasks = tasks.order_by("-created_at", "-pk")
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    visible = selectors.assignments_for(request.user, list(page))
    for task in page:
        task.assignees = visible[task.pk]  # type: ignore[attr-defined]
        task.late = any(a.overdue for a in visible[task.pk])  # type: ignore[attr-defined]
    return render(
        request,
        "coordination/task_list.html",
        {
            "page": page,
            "params": request.GET,
            "today": today,
            "statuses": TaskStatus.choices,
            "kinds": TaskKind.choices,
            "can_manage": request.user.can(Cap.COORDINATION_MANAGE),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.COORDINATION_READ, Cap.LIST_EXPORT)
@refuses_bad_filters
def task_export(request):
    """The filtered list as Excel or CSV: a row for each assignment the user may see."""
    from .exports import TASKS, task_rows

    tasks = selectors.task_list_for(request.user, request.GET)
    return export_response(
        request,
        TASKS,
        task_rows(request.user, tasks),
    )


@capability_required(Cap.COORDINATION_MANAGE)
def task_new(request):
    office = _office_or_none(request.user)
    form = TaskForm(
        request.POST or None,
        departments=_office_departments(office),
        units=_office_units(office),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        assignees = [services.Assignee(department=dep) for dep in d["departments"]]
        assignees += [services.Assignee(unit=u) for u in d["units"]]
        try:
            task = services.task_create(
                actor=request.user,
                title=d["title"],
                description=d["description"],
                source=d["source"],
                due_date=d["due_date"],
                assignees=assignees,
                http_request=request,
            )
        except services.CoordinationError as exc:
            form.add_error(None, str(exc))
        else:
            _ok(request, _("已交办督办事项 %(n)s。") % {"n": task.number})
            return redirect("coordination:task_detail", pk=task.pk)
    return render(request, "coordination/task_form.html", {"form": form, "office": office})


def _percent(raw: str) -> int | None:
    """完成进度 as typed: None when left empty; anything but a whole number is refused (it
    used to be dropped without a word); the service checks 0..100."""
    raw = raw.strip().rstrip("%").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise services.CoordinationError(_("完成进度应为 0 到 100 之间的整数。")) from None


def _task_action(request, task) -> str:
    user, post, action = request.user, request.POST, request.POST.get("action", "")
    assignment = None
    if post.get("assignment"):
        assignment = selectors.visible_assignments(user, task).filter(pk=post["assignment"]).first()
        if assignment is None:
            raise services.CoordinationError(_("承办任务不存在。"))
        assignment.task = task
    note = post.get("note", "")
    if action == "progress" and assignment:
        services.progress_report(
            actor=user,
            assignment=assignment,
            note=note,
            percent=_percent(post.get("percent", "")),
            http_request=request,
        )
        return _("已报送进展。")
    if action == "submit" and assignment:
        services.assignment_submit(
            actor=user, assignment=assignment, note=note, http_request=request
        )
        return _("已申请办结，等待交办单位审核。")
    if action in ("approve", "return") and assignment:
        services.assignment_review(
            actor=user,
            assignment=assignment,
            approve=action == "approve",
            note=note,
            http_request=request,
        )
        return _("已审核办结。") if action == "approve" else _("已退回重办。")
    if action == "assign":
        office = task.unit
        department = _office_departments(office).filter(code=post.get("department", "")).first()
        unit = _office_units(office).filter(code=post.get("unit", "")).first()
        due = _posted_date(post.get("due_date"), _("办结时限"))
        services.task_assign(
            actor=user,
            task=task,
            assignee=services.Assignee(department=department, unit=unit, due_date=due),
            http_request=request,
        )
        return _("已增加承办单位。")
    if action == "cancel":
        services.task_cancel(actor=user, task=task, reason=note, http_request=request)
        return _("已撤销。")
    raise services.CoordinationError(_("未知的操作。"))


@capability_required(Cap.COORDINATION_READ)
def task_detail(request, pk: int):
    task = selectors.task_or_404(request.user, pk)
    typed: Any = {}  # what was posted, shown back after an error
    if request.method == "POST":
        try:
            _ok(request, _task_action(request, task))
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
            typed = request.POST
            task = selectors.task_or_404(request.user, pk)
        else:
            return redirect("coordination:task_detail", pk=task.pk)
    user = request.user
    assignments = list(
        selectors.visible_assignments(user, task).prefetch_related("progress__actor")
    )
    for a in assignments:
        a.mine = services.is_assignee(user, a)  # type: ignore[attr-defined]
        ours = bool(typed) and typed.get("assignment") == str(a.pk)
        a.typed_note = typed.get("note", "") if ours else ""  # type: ignore[attr-defined]
        a.typed_percent = typed.get("percent", "") if ours else ""  # type: ignore[attr-defined]
    office = services.is_office(user, task)
    return render(
        request,
        "coordination/task_detail.html",
        {
            "task": task,
            "assignments": assignments,
            "office": office,
            "departments": _office_departments(task.unit) if office else [],
            "units": _office_units(task.unit) if office else [],
            "meeting": task.decision.meeting if task.decision is not None else None,
            "today": timezone.localdate(),
            "typed": typed,
            "typed_action": typed.get("action", "") if typed else "",
        },
    )


# --- circulation notices -----------------------------------------------------------------


@capability_required(Cap.COORDINATION_READ)
def notice_list(request):
    notices = selectors.notice_list_for(request.user)
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "coordination/notice_list.html",
        {
            "page": page,
            "can_manage": request.user.can(Cap.COORDINATION_MANAGE),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.COORDINATION_READ, Cap.LIST_EXPORT)
def notice_export(request):
    """The notices the user may see (drafts only the office's), every one, as Excel or CSV."""
    from .exports import NOTICES, notice_rows

    notices = selectors.notice_list_for(request.user)
    return export_response(request, NOTICES, notice_rows(notices))


@capability_required(Cap.COORDINATION_MANAGE)
def notice_new(request):
    today = timezone.localdate()
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    form = NoticeForm(
        request.POST or None, initial={"period_from": quarter_start, "period_to": today}
    )
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_generate(
                actor=request.user, http_request=request, **form.cleaned_data
            )
        except services.CoordinationError as exc:
            form.add_error(None, str(exc))
        else:
            _ok(request, _("已生成通报草稿，请核对后印发。"))
            return redirect("coordination:notice_detail", pk=notice.pk)
    return render(request, "coordination/notice_form.html", {"form": form})


@capability_required(Cap.COORDINATION_READ)
def notice_detail(request, pk: int):
    notice = selectors.notice_or_404(request.user, pk)
    can_edit = (
        notice.status == NoticeStatus.DRAFT
        and request.user.can(Cap.COORDINATION_MANAGE)
        and scoped(request.user, type(notice).objects.filter(pk=notice.pk)).exists()
    )
    form = NoticeEditForm(
        request.POST or None,
        initial={"number": notice.number, "title": notice.title, "body": notice.body},
    )
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", status=403)
        try:
            if request.POST.get("action") == "issue":
                services.notice_issue(actor=request.user, notice=notice, http_request=request)
                _ok(request, _("通报已印发。"))
                return redirect("coordination:notice_detail", pk=notice.pk)
            if form.is_valid():
                services.notice_update(
                    actor=request.user, notice=notice, http_request=request, **form.cleaned_data
                )
                _ok(request, _("已保存。"))
                return redirect("coordination:notice_detail", pk=notice.pk)
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
            return redirect("coordination:notice_detail", pk=notice.pk)
    return render(
        request,
        "coordination/notice_detail.html",
        {
            "notice": notice,
            "form": form,
            "can_edit": can_edit,
            "rows": services.notice_rows(notice),
        },
    )


@capability_required(Cap.COORDINATION_READ)
def notice_print(request, pk: int):
    """通报 as an A4 document (print or save as PDF from the browser)."""
    notice = selectors.notice_or_404(request.user, pk)
    return render(
        request,
        "coordination/notice_print.html",
        {"notice": notice, "rows": services.notice_rows(notice), "printed_at": timezone.now()},
    )


# --- annual assessment -------------------------------------------------------------------


@capability_required(Cap.DASHBOARD)
def assessment_list(request):
    user = request.user
    year = request.GET.get("year", "")
    assessments = filtered(request, selectors.assessment_list_for, empty=Assessment.objects.none())
    office = _office_or_none(user) if user.can(Cap.COORDINATION_MANAGE) else None
    form = AssessmentOpenForm(request.POST or None, units=_office_units(office))
    if request.method == "POST":
        if office is None:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                assessment = services.assessment_open(
                    actor=user, http_request=request, **form.cleaned_data
                )
            except services.CoordinationError as exc:
                form.add_error(None, str(exc))
            else:
                _ok(request, _("已建立考核，评分建议已按数据生成。"))
                return redirect("coordination:assessment_detail", pk=assessment.pk)
    return render(
        request,
        "coordination/assessment_list.html",
        {
            "assessments": assessments[:500],
            "form": form,
            "can_manage": office is not None,
            "can_export": user.can(Cap.LIST_EXPORT),
            **export_context(request),
            "year": year,
        },
    )


@capability_required(Cap.DASHBOARD, Cap.LIST_EXPORT)
@refuses_bad_filters
def assessment_export(request):
    """The assessments on the page (its year), every one, as Excel or CSV."""
    from .exports import ASSESSMENTS, assessment_rows

    assessments = selectors.assessment_list_for(request.user, request.GET)
    return export_response(request, ASSESSMENTS, assessment_rows(assessments))


def _scores_from_post(post, assessment: Assessment) -> dict[int, tuple[Decimal, str]]:
    given: dict[int, tuple[Decimal, str]] = {}
    for score in assessment.scores.all():
        raw = post.get(f"score-{score.criterion_id}", "").strip()
        if raw == "":
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise services.CoordinationError(_("得分应为数字。")) from exc
        given[score.criterion_id] = (value, post.get(f"note-{score.criterion_id}", ""))
    return given


@capability_required(Cap.DASHBOARD)
def assessment_detail(request, pk: int):
    assessment = get_scoped_or_404(request.user, Assessment.objects.select_related("unit"), pk=pk)
    can_manage = (
        request.user.can(Cap.COORDINATION_MANAGE)
        and assessment.status == AssessmentStatus.DRAFT
        and services.unit_in_scope(request.user, assessment.unit)
        and request.user.unit_id != assessment.unit_id
    )
    typed = None  # what was posted, shown back after an error
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        try:
            if request.POST.get("action") == "finalize":
                services.assessment_finalize(
                    actor=request.user,
                    assessment=assessment,
                    scores=_scores_from_post(request.POST, assessment),
                    veto_reason=request.POST.get("veto_reason", ""),
                    http_request=request,
                )
                _ok(request, _("已定档。"))
            else:
                services.assessment_score(
                    actor=request.user,
                    assessment=assessment,
                    scores=_scores_from_post(request.POST, assessment),
                    veto_reason=request.POST.get("veto_reason", ""),
                    http_request=request,
                )
                _ok(request, _("已保存评分。"))
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
            typed = request.POST
        else:
            return redirect("coordination:assessment_detail", pk=assessment.pk)
    scores = services.assessment_shown(assessment)
    for s in scores:
        key = s.criterion_id
        s.shown_score = typed.get(f"score-{key}", "") if typed else s.score  # type: ignore[attr-defined]
        s.shown_note = typed.get(f"note-{key}", "") if typed else s.note  # type: ignore[attr-defined]
    return render(
        request,
        "coordination/assessment_detail.html",
        {
            "assessment": assessment,
            "scores": scores,
            "maximum": sum(s.criterion.max_score for s in scores if not s.criterion.is_veto),
            "can_manage": can_manage,
            "veto_reason": typed.get("veto_reason", "") if typed else assessment.manual_veto_reason,
        },
    )


@capability_required(Cap.COORDINATION_MANAGE)
def criteria(request):
    formset_class: Any = modelformset_factory(AssessmentCriterion, form=CriterionForm, extra=1)
    formset = formset_class(request.POST or None, queryset=AssessmentCriterion.objects.all())
    if request.method == "POST" and formset.is_valid():
        changed = services.criteria_save(actor=request.user, formset=formset, http_request=request)
        _ok(request, _("已保存 %(n)d 项考核指标。") % {"n": changed})
        return redirect("coordination:criteria")
    return render(request, "coordination/criteria.html", {"formset": formset})


# --- inspections -------------------------------------------------------------------------


@capability_required(Cap.COORDINATION_READ)
def inspection_list(request):
    inspections = filtered(request, selectors.inspection_list_for, empty=Inspection.objects.none())
    page = Paginator(inspections, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "coordination/inspection_list.html",
        {
            "page": page,
            "params": request.GET,
            "kinds": WindowKind.choices,
            "statuses": InspectionStatus.choices,
            "can_inspect": request.user.can(Cap.INSPECTION_MANAGE),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.COORDINATION_READ, Cap.LIST_EXPORT)
@refuses_bad_filters
def inspection_export(request):
    """The inspections on the page (its filters), every round, as Excel or CSV."""
    from .exports import INSPECTIONS, inspection_rows

    inspections = selectors.inspection_list_for(request.user, request.GET)
    return export_response(request, INSPECTIONS, inspection_rows(inspections))


def _results_from_post(post, items) -> dict[int, tuple[str, str]]:
    results = {}
    for item in items:
        value = post.get(f"result-{item.pk}")
        if value in FindingResult.values:
            results[item.pk] = (value, post.get(f"note-{item.pk}", ""))
    return results


@capability_required(Cap.INSPECTION_MANAGE)
def inspection_new(request):
    """Step 1: choose the window unit and checklist; step 2: fill in each item. With
    `?previous=<pk>` it is the re-inspection of the items that failed."""
    user = request.user
    windows = scoped(user, WindowUnit.objects.all())
    previous = None
    if request.GET.get("previous"):
        previous = get_scoped_or_404(
            user,
            Inspection.objects.select_related("window_unit", "template"),
            pk=request.GET["previous"],
        )
    start = InspectionStartForm(
        request.GET if "template" in request.GET else None,
        windows=windows,
        initial={"window_unit": request.GET.get("window_unit")},
    )
    window, template, items = None, None, []
    if previous is not None:
        window, template = previous.window_unit, previous.template
        failed = previous.findings.filter(result=FindingResult.FAIL).values_list("item", flat=True)
        items = list(ChecklistItem.objects.filter(pk__in=failed))
    elif start.is_valid():
        window, template = start.cleaned_data["window_unit"], start.cleaned_data["template"]
        items = list(template.items.filter(active=True))
    if request.method == "POST" and window is not None:
        try:
            inspection = services.inspection_record(
                actor=user,
                window_unit=window,
                template=template,
                previous=previous,
                inspected_on=_posted_date(request.POST.get("inspected_on"), _("检查日期"))
                or timezone.localdate(),
                inspectors=request.POST.get("inspectors", ""),
                summary=request.POST.get("summary", ""),
                rectification_due=_posted_date(
                    request.POST.get("rectification_due"), _("整改期限")
                ),
                results=_results_from_post(request.POST, items),
                http_request=request,
            )
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
        else:
            _ok(request, _("已记录检查 %(n)s。") % {"n": inspection.number})
            return redirect("coordination:inspection_detail", pk=inspection.pk)
    # After an error the form shows back each item's result and note as posted (a fresh
    # form starts on 符合): re-saving must never turn a failed item into a pass.
    for item in items:
        posted = request.POST.get(f"result-{item.pk}")
        item.shown_result = (  # type: ignore[attr-defined]
            posted if posted in FindingResult.values else FindingResult.PASS
        )
        item.shown_note = request.POST.get(f"note-{item.pk}", "")  # type: ignore[attr-defined]
    return render(
        request,
        "coordination/inspection_form.html",
        {
            "start": start,
            "window": window,
            "template": template,
            "items": items,
            "previous": previous,
            "results": FindingResult.choices,
            "post": request.POST,
            "today": timezone.localdate(),
            "default_due": timezone.localdate() + timedelta(days=30),
        },
    )


@capability_required(Cap.COORDINATION_READ)
def inspection_detail(request, pk: int):
    inspection = get_scoped_or_404(
        request.user,
        Inspection.objects.select_related("window_unit", "template", "created_by"),
        pk=pk,
    )
    return render(
        request,
        "coordination/inspection_detail.html",
        {
            "item": inspection,
            "findings": inspection.findings.all(),
            "chain": inspection.chain(),
            "can_reinspect": request.user.can(Cap.INSPECTION_MANAGE)
            and inspection.status == InspectionStatus.RECTIFYING,
        },
    )


@capability_required(Cap.COORDINATION_READ)
def window_list(request):
    user = request.user
    windows = selectors.window_list_for(user)
    can_manage = user.can(Cap.INSPECTION_MANAGE)
    office = _office_or_none(user)
    scope_root = office or user.unit
    form = WindowUnitForm(
        request.POST or None,
        units=_office_units(
            scope_root, levels=(Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY)
        )
        if scope_root is not None and scope_root.level != Level.COMMUNITY
        else Unit.objects.none(),
        departments=_office_departments(office),
    )
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.window_unit_create(actor=user, http_request=request, **form.cleaned_data)
            except services.CoordinationError as exc:
                form.add_error(None, str(exc))
            else:
                _ok(request, _("已添加窗口单位。"))
                return redirect("coordination:window_list")
    return render(
        request,
        "coordination/window_list.html",
        {
            "windows": windows[:500],
            "form": form,
            "can_manage": can_manage,
            "can_export": user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.COORDINATION_READ, Cap.LIST_EXPORT)
def window_export(request):
    """The window units the user may see, every one, as Excel or CSV."""
    from .exports import WINDOWS, window_rows

    return export_response(request, WINDOWS, window_rows(selectors.window_list_for(request.user)))


@capability_required(Cap.INSPECTION_MANAGE)
def checklists(request):
    """Checklists are configuration: add an item, switch items or lists on and off."""
    if request.method == "POST":
        template = ChecklistTemplate.objects.filter(pk=request.POST.get("template")).first()
        if template is None:
            raise Http404
        try:
            services.checklist_change(
                actor=request.user,
                template=template,
                step=request.POST.get("action", ""),
                item=template.items.filter(pk=request.POST.get("item") or 0).first(),
                topic=request.POST.get("topic", ""),
                text=request.POST.get("text", ""),
                http_request=request,
            )
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
        else:
            _ok(request, _("已保存。"))
        return redirect("coordination:checklists")
    return render(
        request,
        "coordination/checklists.html",
        {
            "templates": ChecklistTemplate.objects.prefetch_related("items"),
            "topics": Topic.choices,
        },
    )


# --- joint meetings ------------------------------------------------------------------------


@capability_required(Cap.COORDINATION_READ)
def meeting_list(request):
    user = request.user
    meetings = filtered(request, selectors.meeting_list_for, empty=JointMeeting.objects.none())
    page = Paginator(meetings, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    warnings = []
    if Role.DEPARTMENT_LIAISON not in user.roles:
        for office in services.offices():
            if not services.unit_in_scope(user, office) and not (
                user.unit is not None and office.path.startswith(user.unit.path)
            ):
                continue
            overdue, last = services.meeting_overdue(office, today)
            od = JointMeeting.objects.filter(
                unit=office,
                kind=MeetingKind.ORIGIN_DESTINATION,
                status=MeetingStatus.HELD,
                date__year=today.year,
            ).exists()
            has_partners = PartnerRegion.objects.filter(unit=office, active=True).exists()
            warnings.append(
                {
                    "unit": office,
                    "overdue": overdue,
                    "last": last,
                    "od_missing": has_partners and not od,
                }
            )
    return render(
        request,
        "coordination/meeting_list.html",
        {
            "page": page,
            "warnings": warnings,
            "can_manage": user.can(Cap.COORDINATION_MANAGE),
            "can_export": user.can(Cap.LIST_EXPORT),
            **export_context(request),
            "kinds": MeetingKind.choices,
            "params": request.GET,
        },
    )


@capability_required(Cap.COORDINATION_READ, Cap.LIST_EXPORT)
@refuses_bad_filters
def meeting_export(request):
    """The meetings on the page (its filters), every one, as Excel or CSV."""
    from .exports import MEETINGS, meeting_rows

    meetings = selectors.meeting_list_for(request.user, request.GET)
    return export_response(request, MEETINGS, meeting_rows(meetings))


@capability_required(Cap.COORDINATION_MANAGE)
def meeting_new(request):
    user = request.user
    office = _office_or_none(user)
    regions = PartnerRegion.objects.filter(unit=office) if office else PartnerRegion.objects.none()
    form = MeetingForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=user, http_request=request, **form.cleaned_data)
        except services.CoordinationError as exc:
            form.add_error(None, str(exc))
        else:
            _ok(request, _("已安排会议，成员单位已列入出席名单。"))
            return redirect("coordination:meeting_detail", pk=meeting.pk)
    return render(request, "coordination/meeting_form.html", {"form": form})


def _meeting_action(request, meeting: JointMeeting) -> str:
    user, post, action = request.user, request.POST, request.POST.get("action", "")
    if action == "record":
        present = {
            a.pk: post.get(f"name-{a.pk}", "").strip()
            or (a.department.name if a.department else "")
            for a in meeting.attendances.filter(department__isnull=False).select_related(
                "department"
            )
            if post.get(f"present-{a.pk}")
        }
        services.meeting_record(
            actor=user,
            meeting=meeting,
            minutes=post.get("minutes", ""),
            present=present,
            others=[n for n in post.get("others", "").splitlines() if n.strip()],
            http_request=request,
        )
        return _("已记录会议出席和纪要。")
    if action == "decision":
        services.decision_add(
            actor=user, meeting=meeting, text=post.get("text", ""), http_request=request
        )
        return _("已添加议定事项。")
    if action == "to_task":
        decision = meeting.decisions.filter(pk=post.get("decision")).first()
        if decision is None:
            raise services.CoordinationError(_("议定事项不存在。"))
        office = meeting.unit
        departments = _office_departments(office).filter(code__in=post.getlist("departments"))
        units = _office_units(office).filter(code__in=post.getlist("units"))
        due = _posted_date(post.get("due_date"), _("办结时限"))
        if due is None:
            raise services.CoordinationError(_("请填写办结时限。"))
        task = services.decision_to_task(
            actor=user,
            decision=decision,
            assignees=[services.Assignee(department=d) for d in departments]
            + [services.Assignee(unit=u) for u in units],
            due_date=due,
            http_request=request,
        )
        return _("已转为督办事项 %(n)s。") % {"n": task.number}
    raise services.CoordinationError(_("未知的操作。"))


@capability_required(Cap.COORDINATION_READ)
def meeting_detail(request, pk: int):
    meeting = get_scoped_or_404(request.user, JointMeeting.objects.select_related("unit"), pk=pk)
    can_manage = request.user.can(Cap.COORDINATION_MANAGE) and services.unit_in_scope(
        request.user, meeting.unit
    )
    typed: Any = {}  # what was posted, shown back after an error
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        try:
            _ok(request, _meeting_action(request, meeting))
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
            typed = request.POST
            meeting.refresh_from_db()
        else:
            return redirect("coordination:meeting_detail", pk=meeting.pk)
    action = typed.get("action", "") if typed else ""
    decisions = list(meeting.decisions.all())
    for decision in decisions:
        decision.action_item = getattr(decision, "task", None)  # type: ignore[attr-defined]
        ours = action == "to_task" and typed.get("decision") == str(decision.pk)
        decision.typed_due = typed.get("due_date", "") if ours else None  # type: ignore[attr-defined]
        decision.typed_departments = typed.getlist("departments") if ours else []  # type: ignore[attr-defined]
        decision.typed_units = typed.getlist("units") if ours else []  # type: ignore[attr-defined]
    attendances = list(meeting.attendances.select_related("department"))
    if action == "record" and meeting.status != MeetingStatus.HELD:
        for a in attendances:
            a.present = bool(typed.get(f"present-{a.pk}"))
            a.name = typed.get(f"name-{a.pk}", "")
    return render(
        request,
        "coordination/meeting_detail.html",
        {
            "meeting": meeting,
            "attendances": attendances,
            "decisions": decisions,
            "regions": meeting.partner_regions.all(),
            "can_manage": can_manage,
            "held": meeting.status == MeetingStatus.HELD,
            "can_record": meeting.date <= timezone.localdate(),
            "departments": _office_departments(meeting.unit) if can_manage else [],
            "units": _office_units(meeting.unit) if can_manage else [],
            "default_due": timezone.localdate() + timedelta(days=30),
            "typed": typed,
            "typed_action": action,
        },
    )


# --- origin-region cooperation ------------------------------------------------------------


@capability_required(Cap.COOPERATION_READ)
def region_list(request):
    regions = selectors.region_list_for(request.user)
    return render(
        request,
        "coordination/region_list.html",
        {
            "regions": regions.prefetch_related("stations"),
            "can_manage": request.user.can(Cap.COOPERATION_MANAGE),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.COOPERATION_READ, Cap.LIST_EXPORT)
def region_export(request):
    """The partner regions the user may see, with their stations, as Excel or CSV. Origin
    liaisons read the page but export nothing (they lack 导出工作清单)."""
    from .exports import REGIONS, region_rows

    return export_response(request, REGIONS, region_rows(selectors.region_list_for(request.user)))


@capability_required(Cap.COOPERATION_MANAGE)
def region_new(request):
    form = RegionForm(request.POST or None)
    office = _office_or_none(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if office is None:
                raise services.CoordinationError(_("协作关系由本市或本区（县）建立。"))
            region = services.region_create(
                actor=request.user, unit=office, http_request=request, **form.cleaned_data
            )
        except services.CoordinationError as exc:
            form.add_error(None, str(exc))
        else:
            _ok(request, _("已建立与 %(r)s 的协作关系。") % {"r": region.name})
            return redirect("coordination:region_detail", pk=region.pk)
    return render(request, "coordination/region_form.html", {"form": form})


def _region_action(request, region: PartnerRegion) -> str:
    user, post, action = request.user, request.POST, request.POST.get("action", "")
    form: Any
    if action == "station":
        form = StationForm(post)
        if not form.is_valid():
            raise services.CoordinationError(_("请填写工作站名称。"))
        services.station_add(actor=user, region=region, http_request=request, **form.cleaned_data)
        return _("已添加工作站。")
    if action == "contact":
        form = ContactForm(post)
        if not form.is_valid():
            raise services.CoordinationError(_("请填写联系人姓名。"))
        station = region.stations.filter(pk=post.get("station") or 0).first()
        services.contact_add(
            actor=user, region=region, station=station, http_request=request, **form.cleaned_data
        )
        return _("已添加联系人。")
    if action == "exchange":
        form = ExchangeForm(post)
        if not form.is_valid():
            raise services.CoordinationError(_("请填写类别、日期、事由和内容。"))
        services.exchange_add(actor=user, region=region, http_request=request, **form.cleaned_data)
        return _("已添加交流记录。")
    if action == "link":
        account = User.objects.filter(username=post.get("username", "")).first()
        if account is None:
            raise services.CoordinationError(_("账户不存在。"))
        services.liaison_link(actor=user, region=region, user=account, http_request=request)
        return _("已关联联络员账户。")
    raise services.CoordinationError(_("未知的操作。"))


@capability_required(Cap.COOPERATION_READ)
def region_detail(request, pk: int):
    user = request.user
    region = get_scoped_or_404(user, PartnerRegion.objects.select_related("unit"), pk=pk)
    can_manage = user.can(Cap.COOPERATION_MANAGE) and services.unit_in_scope(user, region.unit)
    typed: Any = {}  # what was posted, shown back after an error
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        try:
            _ok(request, _region_action(request, region))
        except services.CoordinationError as exc:
            messages.error(request, str(exc))
            typed = request.POST
        else:
            return redirect("coordination:region_detail", pk=region.pk)
    action = typed.get("action", "") if typed else ""
    exchanges = scoped(user, ExchangeRecord.objects.filter(region=region))
    meetings = scoped(
        user,
        JointMeeting.objects.filter(partner_regions=region).prefetch_related("decisions"),
        capability=Cap.COOPERATION_READ,
    )
    return render(
        request,
        "coordination/region_detail.html",
        {
            "region": region,
            "stations": region.stations.all(),
            "contacts": region.contacts.select_related("station"),
            "exchanges": exchanges,
            "meetings": meetings,
            "liaisons": region.liaisons.select_related("user"),
            "can_manage": can_manage,
            "station_form": StationForm(typed if action == "station" else None),
            "contact_form": ContactForm(typed if action == "contact" else None),
            "exchange_form": ExchangeForm(
                typed if action == "exchange" else None, initial={"date": timezone.localdate()}
            ),
            "typed": typed,
            "typed_action": action,
        },
    )


# --- statistics --------------------------------------------------------------------------


@capability_required(Cap.DASHBOARD)
def statistics(request):
    """Like the disputes' statistics: a unit of the user's scope (`?unit=`, by default the
    user's own, the city for those who see everything) and what lies below it."""
    user = request.user
    root = calendar_root(user, request.GET.get("unit"))
    if root is None:
        raise Http404
    by = request.GET.get("by", "month")
    if by not in metrics.GROUPINGS:
        by = "month"
    year_value = year_param(request.GET.get("year"))
    if year_value is None:
        year_value = timezone.localdate().year
        say_shown_instead(request, "year", _("年度"), year_value)
    assignments = scoped(
        user,
        metrics.assignments_in_year(year_value).filter(subtree_q(root.path, "assignee_path")),
        capability=Cap.DASHBOARD,
    )
    inspections = scoped(
        user,
        metrics.inspections_in_year(year_value).filter(subtree_q(root.path, "unit_path")),
        capability=Cap.DASHBOARD,
    )
    meetings = scoped(
        user,
        JointMeeting.objects.filter(subtree_q(root.path, "unit_path"), date__year=year_value),
        capability=Cap.DASHBOARD,
    )
    return render(
        request,
        "coordination/statistics.html",
        {
            "root": root,
            "by": by,
            "year": year_value,
            "tasks": metrics.task_statistics(assignments, by),
            "inspections": metrics.inspection_statistics(inspections, by, root.path),
            "meetings": metrics.meeting_statistics(meetings, by),
        },
    )
