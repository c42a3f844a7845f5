"""Request pages: the queue, intake at the window, the request with its actions, the printed
receipt, and the user's notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import get_scoped_or_404, in_scope, scoped, visible_departments
from tongxin.audit.services import Action, audit_record
from tongxin.core.filters import filtered, refuses_bad_filters
from tongxin.exchange.lists import export_context, export_maskable
from tongxin.registry.models import Person, mask_phone
from tongxin.registry.services import find_by_document

from . import selectors, services
from .forms import ActionForm, IntakeForm
from .models import Notification, ServiceRequest

LIST_LIMIT = 500  # the page shows the first; the export has them all


@capability_required(Cap.REQUEST_READ)
def request_list(request):
    queue = request.GET.get("queue") or "open"
    requests = filtered(request, selectors.request_list_for, empty=ServiceRequest.objects.none())
    rows = list(requests[: LIST_LIMIT + 1])
    return render(
        request,
        "services/request_list.html",
        {
            "rows": rows[:LIST_LIMIT],
            "more": len(rows) > LIST_LIMIT,
            "queue": queue,
            "queues": selectors.QUEUES,
            "narrowing": selectors.narrowing(request.GET),
            **export_context(request, maskable=True),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            "can_intake": request.user.can(Cap.REQUEST_HANDLE),
        },
    )


@capability_required(Cap.REQUEST_READ, Cap.LIST_EXPORT)
@refuses_bad_filters
def request_export(request):
    """The queue on screen, every row of it, as Excel or CSV; phones masked unless the
    role allows and a purpose is given."""
    from .exports import REQUESTS, request_rows

    requests = selectors.request_list_for(request.user, request.GET)
    return export_maskable(request, REQUESTS, lambda full: request_rows(requests, full=full))


@capability_required(Cap.REQUEST_HANDLE)
def request_new(request):
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = None
        if d["id_number"]:
            found = find_by_document("citizen_id", d["id_number"].strip().upper())
            person = (
                scoped(request.user, Person.objects.filter(pk=found.pk)).first() if found else None
            )
            if person is None:
                form.add_error(
                    "id_number", _("在您的辖区内没有找到该证件号码的人员；可只填写姓名和电话。")
                )
        if not form.errors:
            created = services.request_receive(
                actor=request.user,
                category=d["category"],
                channel=d["channel"],
                description=d["description"],
                person=person,
                requester_name=d["requester_name"],
                requester_phone=d["requester_phone"],
                language=d["language"],
                interpreter_needed=d["interpreter_needed"],
                green_channel=d["green_channel"] or "",
                received_at=d["received_at"],
                http_request=request,
            )
            messages.success(request, _("已登记诉求 %(n)s。") % {"n": created.number})
            return redirect("services:request_detail", pk=created.pk)
    return render(request, "services/request_form.html", {"form": form})


@capability_required(Cap.REQUEST_READ)
def request_detail(request, pk: int):
    item = get_scoped_or_404(
        request.user,
        ServiceRequest.objects.select_related("category", "department", "person"),
        pk=pk,
    )
    departments = visible_departments(request.user).select_related("unit")
    helpers_now = set(item.co_departments.values_list("pk", flat=True))
    can_note = item.status in services.OPEN and services.may_work_on(request.user, item)
    form = ActionForm(request.POST or None, departments=departments)
    if request.method == "POST":
        # Every post is answered with a redirect (a reload does not post again), its
        # outcome said above the page.
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}：{error}" if label else str(error))
            return redirect("services:request_detail", pk=item.pk)
        try:
            _perform(request, item, form.cleaned_data, departments)
        except services.IllegalTransition as exc:
            messages.error(request, str(exc))
            return redirect("services:request_detail", pk=item.pk)
        messages.success(request, _("已保存。"))
        if not in_scope(request.user, item):
            # Returned by a department: it no longer sees the request.
            return redirect("services:request_list")
        return redirect("services:request_detail", pk=item.pk)
    actions = [
        (a, services.TRANSITIONS[a].label) for a in services.allowed_actions(item, request.user)
    ]
    # The phone in full, on asking and audited, only to whoever received the request, the
    # departments handling it, and those who may see full personal data (street and above);
    # the page itself names the requester and what they asked, so each view is a read.
    handles = (
        item.received_by_id == request.user.pk
        or request.user.can(Cap.PERSON_FULL_ID)
        or request.user.department_id in {item.department_id, *helpers_now} - {None}
    )
    full_phone = handles and request.GET.get("phone") == "1" and bool(item.requester_phone_enc)
    audit_record(
        action=Action.READ,
        request=request,
        obj=item,
        purpose=_("联系诉求人") if full_phone else _("办理诉求"),
        detail={"phone": full_phone},
    )
    phone = item.requester_phone
    aid = getattr(item, "assistance", None)
    return render(
        request,
        "services/request_detail.html",
        {
            "item": item,
            "phone": phone if full_phone else mask_phone(phone),
            "can_show_phone": handles and bool(phone) and not full_phone,
            "events": item.events.select_related("actor", "department"),
            "actions": actions,
            "form": form,
            "departments": departments,
            "notices": item.notices.all(),
            "can_note": can_note,
            "can_answer": request.user.department_id == item.department_id
            or request.user.can(Cap.REQUEST_HANDLE),
            "co_departments": item.co_departments.all(),
            "attachments": item.attachments.all(),
            "aid": aid,
            "can_assess_aid": request.user.can(Cap.REQUEST_HANDLE),
            "can_decide_aid": aid is not None and services.may_decide_aid(request.user, aid),
        },
    )


def _perform(request, item: ServiceRequest, d: dict, departments) -> None:
    """One step on the request page: a transition, a progress note, an answer to a
    supervision notice, or an attachment."""
    if d["action"] == "note":
        if item.status not in services.OPEN:
            raise services.IllegalTransition(_("只有办理中的诉求可以添加进展记录。"))
        services.request_note(
            actor=request.user, request=item, note=d["note"], http_request=request
        )
    elif d["action"] == "answer":
        notice = item.notices.filter(pk=request.POST.get("notice")).first()
        if notice is None:
            raise services.IllegalTransition(_("督办单不存在。"))
        services.notice_answer(
            actor=request.user, notice=notice, answer=d["note"], http_request=request
        )
    elif d["action"] == "attach":
        if not request.FILES.get("file"):
            raise services.IllegalTransition(_("请选择要上传的文件。"))
        services.attachment_add(
            actor=request.user, request=item, upload=request.FILES["file"], http_request=request
        )
    else:
        department = departments.filter(code=d["department"]).first() if d["department"] else None
        helpers = list(departments.filter(code__in=request.POST.getlist("co_departments")))
        services.request_act(
            actor=request.user,
            request=item,
            action=d["action"],
            note=d["note"],
            department=department,
            result=d["result"],
            satisfaction=d["satisfaction"],
            co_departments=helpers,
            http_request=request,
        )


@capability_required(Cap.REQUEST_READ)
def attachment_download(request, pk: int, attachment: int):
    """Attachments are personal data: served only through the request's scope, audited."""
    from django.http import FileResponse, Http404

    item = get_scoped_or_404(request.user, ServiceRequest.objects.all(), pk=pk)
    found = item.attachments.filter(pk=attachment).first()
    if found is None:
        raise Http404
    audit_record(action=Action.READ, request=request, obj=found, purpose=_("查看诉求附件"))
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@capability_required(Cap.REQUEST_READ)
@require_POST
def assistance(request, pk: int):
    """Assess (officer); approve or refuse, then record the payment (the approving
    civil-affairs department: services.may_decide_aid)."""
    from decimal import Decimal, InvalidOperation

    item = get_scoped_or_404(request.user, ServiceRequest.objects.select_related("category"), pk=pk)
    step = request.POST.get("step")
    try:
        if step == "assess":
            if not request.user.can(Cap.REQUEST_HANDLE):
                raise services.AssistanceError(_("您没有评估救助的权限。"))
            try:
                amount = Decimal(request.POST.get("amount", ""))
            except InvalidOperation:
                amount = None
            services.assistance_assess(
                actor=request.user,
                request=item,
                assessment=request.POST.get("assessment", ""),
                kind=request.POST.get("kind", ""),
                amount=amount,
                http_request=request,
            )
        elif step in ("approve", "refuse"):
            services.assistance_decide(
                actor=request.user,
                aid=item.assistance,
                approve=step == "approve",
                http_request=request,
            )
        elif step == "disburse":
            services.assistance_disburse(
                actor=request.user,
                aid=item.assistance,
                note=request.POST.get("note", ""),
                http_request=request,
            )
        else:
            raise services.AssistanceError(_("未知的操作。"))
    except (services.AssistanceError, ServiceRequest.assistance.RelatedObjectDoesNotExist) as exc:
        messages.error(request, str(exc) or _("该诉求还没有救助申请。"))
    else:
        messages.success(request, _("救助记录已更新。"))
    return redirect("services:request_detail", pk=item.pk)


@capability_required(Cap.REQUEST_READ)
def referral_form(request, pk: int):
    """转办单: the A4 form that goes with a referral."""
    item = get_scoped_or_404(
        request.user, ServiceRequest.objects.select_related("category", "department"), pk=pk
    )
    referral = item.events.filter(action="refer").select_related("actor", "department").last()
    return render(
        request,
        "services/referral.html",
        {"item": item, "referral": referral, "printed_at": timezone.now()},
    )


@capability_required(Cap.DEPARTMENT_MANAGE)
def categories(request):
    """Request categories and their deadlines are configuration, edited by the bureau."""
    from django.forms import modelformset_factory

    from .models import Category

    formset_class: Any = modelformset_factory(
        Category, fields=["name", "due_working_days", "due_hours", "active"], extra=0
    )
    formset = formset_class(request.POST or None, queryset=Category.objects.order_by("pk"))
    if request.method == "POST" and formset.is_valid():
        changed = services.categories_save(
            actor=request.user, formset=formset, http_request=request
        )
        messages.success(request, _("已保存 %(n)d 个类别。") % {"n": changed})
        return redirect("services:categories")
    return render(request, "services/categories.html", {"formset": formset})


@capability_required(Cap.DASHBOARD)
def metrics(request):
    from .metrics import GROUPINGS, request_metrics

    by = request.GET.get("by", "department")
    if by not in GROUPINGS:
        by = "department"
    requests = scoped(request.user, ServiceRequest.objects.all(), capability=Cap.DASHBOARD)
    return render(
        request, "services/metrics.html", {"rows": request_metrics(requests, by), "by": by}
    )


@capability_required(Cap.REQUEST_READ)
def request_receipt(request, pk: int):
    """受理回执: an A4 page to print and hand over."""
    item = get_scoped_or_404(request.user, ServiceRequest.objects.select_related("category"), pk=pk)
    return render(request, "services/receipt.html", {"item": item, "printed_at": timezone.now()})


@login_required
def notifications(request):
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "services/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request):
    services.mark_read(request.user)
    return redirect("services:notifications")
