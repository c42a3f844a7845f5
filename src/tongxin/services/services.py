"""The request lifecycle as an explicit state machine, deadlines in working days, and
supervision of late requests. Every transition is one transaction with its event and its
audit record; an illegal one raises `IllegalTransition` and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import Department, DepartmentKind, User
from tongxin.accounts.roles import Cap, Role
from tongxin.audit.services import Action, audit_record
from tongxin.core import crypto
from tongxin.core.workdays import add_working_days

from .models import (
    MAX_DUE_HOURS,
    MAX_DUE_WORKING_DAYS,
    AssistanceStatus,
    Category,
    EmergencyAssistance,
    Notification,
    RequestEvent,
    ServiceRequest,
    Status,
    SupervisionNotice,
)

OPEN = [Status.RECEIVED, Status.ACCEPTED, Status.REFERRED, Status.IN_PROGRESS]


class IllegalTransition(Exception):
    """The action is not allowed in the request's current status."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    label: object  # a lazy translation


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({Status.RECEIVED}), Status.ACCEPTED, gettext_lazy("受理")),
    "reject": Transition(frozenset({Status.RECEIVED}), Status.REJECTED, gettext_lazy("不予受理")),
    "refer": Transition(
        frozenset({Status.ACCEPTED, Status.REFERRED, Status.IN_PROGRESS}),
        Status.REFERRED,
        gettext_lazy("转办"),
    ),
    "return": Transition(frozenset({Status.REFERRED}), Status.ACCEPTED, gettext_lazy("退回")),
    "start": Transition(frozenset({Status.REFERRED}), Status.IN_PROGRESS, gettext_lazy("开始办理")),
    "resolve": Transition(
        frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), Status.RESOLVED, gettext_lazy("办结")
    ),
    "follow_up": Transition(frozenset({Status.RESOLVED}), Status.FOLLOWED_UP, gettext_lazy("回访")),
    "close": Transition(frozenset({Status.FOLLOWED_UP}), Status.CLOSED, gettext_lazy("关闭")),
    "reopen": Transition(frozenset({Status.CLOSED}), Status.ACCEPTED, gettext_lazy("重新办理")),
}
# What the history calls each event: the transitions' labels, and the two events that are
# not transitions.
EVENT_LABELS: dict[str, object] = {
    "receive": gettext_lazy("登记"),
    **{code: t.label for code, t in TRANSITIONS.items()},
    "note": gettext_lazy("进展情况"),
}
# Actions a department liaison takes on requests referred to its department; officers of the
# ethnic-affairs line take the others (and may resolve what they handle themselves).
DEPARTMENT_ACTIONS = {"start", "return", "resolve"}


FOLLOW_UP_COMMENT_MAX = 500  # ServiceRequest.follow_up_comment


def due_at_for(category: Category, received_at: datetime) -> datetime:
    """Emergency help within hours; otherwise the end of the Nth working day after receipt."""
    # A category saved before its bounds were checked is counted within them.
    if category.due_hours:
        return received_at + timedelta(hours=min(category.due_hours, MAX_DUE_HOURS))
    local = timezone.localtime(received_at)
    day = add_working_days(local.date(), min(category.due_working_days, MAX_DUE_WORKING_DAYS))
    return timezone.make_aware(
        datetime.combine(day, time(23, 59, 59)), timezone.get_current_timezone()
    )


def _next_number(received_at: datetime) -> str:
    prefix = "SQ" + timezone.localtime(received_at).strftime("%Y%m%d")
    last = (
        ServiceRequest.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[-5:]) + 1 if last else 1:05d}"


def allowed_actions(request: ServiceRequest, user: User) -> list[str]:
    """What this user may do now with this request (for buttons and for the API)."""
    actions = [a for a, t in TRANSITIONS.items() if request.status in t.sources]
    if Role.DEPARTMENT_LIAISON in user.roles and not (user.roles - {Role.DEPARTMENT_LIAISON}):
        return [
            a
            for a in actions
            if a in DEPARTMENT_ACTIONS and request.department_id == user.department_id
        ]
    return [a for a in actions if a not in {"start", "return"}]


# A request entered later from a paper log keeps its time of receipt, within this many days
# back: an older one is a typo (1900 gave a number SQ1900…, a deadline a century ago and
# supervision at once).
BACKDATE_DAYS = 366


def received_at_refusal(value: datetime) -> str:
    """Why a typed time of receipt cannot be taken, or ""."""
    now = timezone.now()
    if value > now:
        return _("受理时间不能晚于现在。")
    if value < now - timedelta(days=BACKDATE_DAYS):
        return _("受理时间不能早于 %(d)s：补录的纸质登记应在一年以内，请核对年份。") % {
            "d": date_format(timezone.localtime(now - timedelta(days=BACKDATE_DAYS)).date())
        }
    return ""


def request_receive(
    *,
    actor: User,
    category: Category,
    channel: str,
    description: str,
    person=None,
    requester_name: str = "",
    requester_phone: str = "",
    language: str = "",
    interpreter_needed: bool = False,
    green_channel: str = "",
    received_at: datetime | None = None,
    http_request=None,
) -> ServiceRequest:
    """Register a request; one entered later from paper keeps its real time of receipt.
    The deadline is counted before the write transaction, which holds SQLite's write lock."""
    received_at = received_at or timezone.now()
    due_at = due_at_for(category, received_at)
    with transaction.atomic():
        return _receive(
            actor=actor,
            category=category,
            channel=channel,
            description=description,
            person=person,
            requester_name=requester_name,
            requester_phone=requester_phone,
            language=language,
            interpreter_needed=interpreter_needed,
            green_channel=green_channel,
            received_at=received_at,
            due_at=due_at,
            http_request=http_request,
        )


def _receive(
    *,
    actor: User,
    category: Category,
    channel: str,
    description: str,
    person,
    requester_name: str,
    requester_phone: str,
    language: str,
    interpreter_needed: bool,
    green_channel: str,
    received_at: datetime,
    due_at: datetime,
    http_request,
) -> ServiceRequest:
    unit = actor.unit
    request = ServiceRequest.objects.create(
        number=_next_number(received_at),
        channel=channel,
        category=category,
        person=person,
        requester_name=requester_name or (person.name if person else ""),
        requester_phone_enc=crypto.encrypt(requester_phone.strip()),
        language=language,
        interpreter_needed=interpreter_needed,
        description=description,
        green_channel=green_channel,
        received_at=received_at,
        due_at=due_at,
        received_by=actor,
        unit_path=(person.unit_path if person else "") or (unit.path if unit else ""),
    )
    RequestEvent.objects.create(
        request=request, action="receive", from_status="", to_status=Status.RECEIVED, actor=actor
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=request,
        detail={"category": category.code},
    )
    return request


def _not_yours(actor: User, action: str) -> str:
    """Why this user may not take an action the request's status allows."""
    if action not in DEPARTMENT_ACTIONS:
        return _("部门不能“%(a)s”，请联系受理诉求的工作人员。")
    if Role.DEPARTMENT_LIAISON in actor.roles and not (actor.roles - {Role.DEPARTMENT_LIAISON}):
        return _("只有承办部门可以“%(a)s”。")
    return _("“%(a)s”由承办部门办理。")


@transaction.atomic
def request_act(
    *,
    actor: User,
    request: ServiceRequest,
    action: str,
    note: str = "",
    department: Department | None = None,
    result: str = "",
    satisfaction: int | None = None,
    co_departments: list[Department] | None = None,
    http_request=None,
) -> ServiceRequest:
    """Apply one action. The status changes only if it is still what the action expects
    (a conditional UPDATE), so two people acting at once cannot both succeed."""
    transition = TRANSITIONS.get(action)
    if (
        transition is not None
        and request.status in transition.sources
        and action not in allowed_actions(request, actor)
    ):
        # The status allows it, the user may not: say so, rather than blame the status.
        raise IllegalTransition(_not_yours(actor, action) % {"a": transition.label})
    if transition is None or action not in allowed_actions(request, actor):
        raise IllegalTransition(
            _("当前状态（%(s)s）下不能“%(a)s”。")
            % {
                "s": request.get_status_display(),
                "a": TRANSITIONS[action].label if transition else action,
            }
        )
    changes: dict = {"status": transition.target}
    if action in ("reject", "return") and not note.strip():
        raise IllegalTransition(_("请说明理由。"))
    if action == "refer":
        if department is None:
            raise IllegalTransition(_("请选择承办部门。"))
        changes["department"] = department
    if action == "return":
        # Back to the officers: the departments lose the request (and its inbox, its
        # actions, its supervision notices) until it is referred again.
        changes["department"] = None
    if action == "resolve":
        if not result.strip():
            raise IllegalTransition(_("请填写办理结果。"))
        changes.update(result=result, resolved_at=timezone.now())
    if action == "follow_up":
        if satisfaction is None:
            raise IllegalTransition(_("请选择满意度。"))
        if satisfaction not in (1, 2, 3, 4, 5):
            raise IllegalTransition(_("满意度应为 1 到 5。"))
        if len(note) > FOLLOW_UP_COMMENT_MAX:
            raise IllegalTransition(
                _("回访意见不能超过 %(n)d 字（现为 %(m)d 字）。")
                % {"n": FOLLOW_UP_COMMENT_MAX, "m": len(note)}
            )
        changes.update(satisfaction=satisfaction, follow_up_comment=note)
    if action == "close":
        changes["closed_at"] = timezone.now()
    if action == "reopen":
        # Handled afresh: the old result, call-back and deadline no longer hold (the events
        # keep them), and it is back with the officers, who refer it again if need be.
        changes.update(
            closed_at=None,
            resolved_at=None,
            result="",
            satisfaction=None,
            follow_up_comment="",
            due_at=due_at_for(request.category, timezone.now()),
            department=None,
        )
    before = request.status
    updated = ServiceRequest.objects.filter(pk=request.pk, status=before).update(**changes)
    if not updated:
        raise IllegalTransition(_("诉求已被他人处理，请刷新后重试。"))
    if action == "follow_up":
        # The score is kept in the history too (a reopened request clears it).
        note = _("满意度 %(s)d/5") % {"s": satisfaction} + (f"，{note}" if note else "")
    RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=before,
        to_status=transition.target,
        actor=actor,
        department=department,
        note=note or result,
    )
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=request,
        detail={"action": action, "from": before, "to": transition.target},
    )
    if action in ("return", "reopen"):
        request.co_departments.clear()
    if action == "refer":
        helpers = [d for d in (co_departments or []) if d.pk != department.pk]  # type: ignore[union-attr]
        request.co_departments.set(helpers)
        for helper in helpers:
            if helper.liaison_id:
                notify(
                    helper.liaison,
                    _("新的协办诉求 %(n)s：%(c)s")
                    % {"n": request.number, "c": request.category.name},
                    request,
                )
    request.refresh_from_db()
    if action == "refer" and department is not None and department.liaison_id:
        notify(
            department.liaison,
            _("新的转办诉求 %(n)s：%(c)s") % {"n": request.number, "c": request.category.name},
            request,
        )
    return request


def notify(user, text: str, request: ServiceRequest | None = None, kind: str = "") -> Notification:
    return Notification.objects.create(
        user=user,
        text=text[:300],
        url=f"/services/requests/{request.pk}/" if request else "",
        kind=kind,
    )


def supervise(now: datetime | None = None) -> int:
    """Issue one supervision notice per late request and ISO week, and notify the handling
    department's liaison (or, not referred, the officer who received it) and the
    ethnic-affairs officers above the request. Returns the
    number of new notices (running it again the same week issues none)."""
    now = now or timezone.now()
    year, week, _day = timezone.localtime(now).isocalendar()
    period = f"{year}-W{week:02d}"
    issued = 0
    late = ServiceRequest.objects.filter(
        status__in=[Status.RECEIVED, Status.ACCEPTED, Status.REFERRED, Status.IN_PROGRESS],
        due_at__lt=now,
    )
    for request in late.select_related("department", "category", "received_by").iterator():
        with transaction.atomic():
            notice, created = SupervisionNotice.objects.get_or_create(
                request=request, period=period, defaults={"department": request.department}
            )
            if not created:
                continue
            issued += 1
            text = _("督办：诉求 %(n)s（%(c)s）已超过办理时限，请于 2 个工作日内答复。") % {
                "n": request.number,
                "c": request.category.name,
            }
            recipients = set()
            if request.department and request.department.liaison_id:
                recipients.add(request.department.liaison)
            elif request.received_by and request.received_by.is_active:
                # Not referred: it waits with whoever received it, who is told too.
                recipients.add(request.received_by)
            prefixes = [request.unit_path[:n] for n in (4, 6) if len(request.unit_path) >= n]
            recipients.update(
                User.objects.filter(
                    role_grants__role=Role.BUREAU_OFFICER, unit__path__in=prefixes, is_active=True
                )
            )
            for user in recipients:
                notify(user, text, request)
            audit_record(
                action=Action.CREATE,
                username="system",
                obj=notice,
                detail={"request": request.number, "period": period},
            )
    return issued


def mark_read(user: User, pks: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    return unread.update(read_at=timezone.now())


class AssistanceError(Exception):
    pass


MAX_AID_AMOUNT = 10**8


@transaction.atomic
def assistance_assess(
    *, actor: User, request: ServiceRequest, assessment: str, kind: str, amount, http_request=None
) -> EmergencyAssistance:
    if request.category.code != "emergency":
        raise AssistanceError(_("只有急难救助类诉求可以申请救助。"))
    # NaN and Infinity parse as Decimals and failed only when saved (a server error); the
    # column holds eight digits before the point.
    if (
        not assessment.strip()
        or not kind.strip()
        or amount is None
        or not amount.is_finite()
        or amount <= 0
    ):
        raise AssistanceError(_("请填写情况评估、救助方式和大于 0 的金额。"))
    if amount >= MAX_AID_AMOUNT:
        raise AssistanceError(_("救助金额不能超过 %(n)s 元。") % {"n": MAX_AID_AMOUNT - 1})
    if hasattr(request, "assistance"):
        raise AssistanceError(_("该诉求已有救助申请。"))
    department = approving_department(request)
    if department is None:
        raise AssistanceError(_("该诉求所在辖区没有民政部门，无法提交救助审批。"))
    aid = EmergencyAssistance.objects.create(
        request=request,
        assessment=assessment,
        kind=kind,
        amount=amount,
        assessed_by=actor,
        department=department,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=aid,
        detail={"amount": str(amount), "department": department.code},
    )
    # Only the approving department is told (it sees the request through its aid,
    # ServiceRequest.scope_department_fields); other districts' civil affairs are not.
    for liaison in department_liaisons(department):
        notify(
            liaison,
            _("急难救助待审批：诉求 %(n)s，%(a)s 元") % {"n": request.number, "a": amount},
            request,
        )
    return aid


def approving_department(request: ServiceRequest) -> Department | None:
    """The civil-affairs department that approves a request's emergency aid: the nearest
    one above the request's unit (the district's before the city's)."""
    path = request.unit_path
    ancestors = [path[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(path)]
    found = Department.objects.filter(
        kind=DepartmentKind.CIVIL_AFFAIRS, unit__path__in=ancestors
    ).select_related("unit")
    return max(found, key=lambda d: (len(d.unit.path), -d.pk), default=None)


def department_liaisons(department: Department) -> list[User]:
    """The active liaisons of a department: its named liaison and its members with the role."""
    users = set(
        User.objects.filter(
            department=department, role_grants__role=Role.DEPARTMENT_LIAISON, is_active=True
        )
    )
    if department.liaison is not None and department.liaison.is_active:
        users.add(department.liaison)
    return sorted(users, key=lambda u: u.pk)


def may_decide_aid(user: User, aid: EmergencyAssistance) -> bool:
    """Approval and payment are civil affairs' (民政): the department the aid was sent to
    (any civil-affairs department for aid assessed before that was recorded)."""
    if user.department is None or user.department.kind != DepartmentKind.CIVIL_AFFAIRS:
        return False
    return aid.department_id is None or aid.department_id == user.department_id


@transaction.atomic
def assistance_decide(
    *, actor: User, aid: EmergencyAssistance, approve: bool, http_request=None
) -> EmergencyAssistance:
    """Approval by civil affairs (民政), the department whose duty it is."""
    if not may_decide_aid(actor, aid):
        raise AssistanceError(
            _("急难救助须由%(d)s审批。")
            % {"d": aid.department.name if aid.department else _("民政部门")}
        )
    status = AssistanceStatus.APPROVED if approve else AssistanceStatus.REFUSED
    if not EmergencyAssistance.objects.filter(pk=aid.pk, status=AssistanceStatus.ASSESSED).update(
        status=status, approved_by=actor, approved_at=timezone.now()
    ):
        raise AssistanceError(_("该申请已审批过。"))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=aid,
        detail={"decision": status},
    )
    aid.refresh_from_db()
    return aid


@transaction.atomic
def assistance_disburse(
    *, actor: User, aid: EmergencyAssistance, note: str, http_request=None
) -> EmergencyAssistance:
    """The payment is recorded by the civil-affairs department that approved it."""
    if not may_decide_aid(actor, aid):
        raise AssistanceError(
            _("救助发放须由%(d)s登记。")
            % {"d": aid.department.name if aid.department else _("民政部门")}
        )
    if not note.strip():
        raise AssistanceError(_("请填写发放记录（方式、经办人）。"))
    if not EmergencyAssistance.objects.filter(pk=aid.pk, status=AssistanceStatus.APPROVED).update(
        status=AssistanceStatus.DISBURSED, disbursed_at=timezone.now(), disbursement_note=note[:300]
    ):
        raise AssistanceError(_("只有已批准的救助可以登记发放。"))
    audit_record(
        action=Action.UPDATE, actor=actor, request=http_request, obj=aid, detail={"disbursed": True}
    )
    aid.refresh_from_db()
    return aid


def daily_digest() -> int:
    """One notification per user with open work: how many requests wait and how many are late."""
    from tongxin.accounts.scoping import scoped

    now = timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    already = set(
        Notification.objects.filter(kind="digest", created_at__gte=start_of_day).values_list(
            "user_id", flat=True
        )
    )
    sent = 0
    for user in User.objects.filter(is_active=True).prefetch_related("role_grants"):
        if user.pk in already or not user.can("request.read"):
            continue  # one digest a day, however often the job runs
        open_requests = scoped(user, ServiceRequest.objects.filter(status__in=OPEN))
        total = open_requests.count()
        if not total:
            continue
        late = open_requests.filter(due_at__lt=now).count()
        notify(
            user,
            _("今日待办诉求 %(n)d 件，其中超期 %(l)d 件。") % {"n": total, "l": late},
            kind="digest",
        )
        sent += 1
    return sent


def may_work_on(user: User, request: ServiceRequest) -> bool:
    """Who adds progress notes and attachments: the officers who handle requests and the
    handling and co-handling departments — not a department that only reads it (the one
    approving its aid, say)."""
    if user.can(Cap.REQUEST_HANDLE):
        return True
    return user.department_id is not None and user.department_id in {
        request.department_id,
        *request.co_departments.values_list("pk", flat=True),
    }


def may_answer(user: User, notice: SupervisionNotice) -> bool:
    """A supervision notice is answered by the department it went to or by the officers who
    handle requests — not by a co-handler or a department that only reads the request."""
    if user.can(Cap.REQUEST_HANDLE):
        return True
    return notice.department_id is not None and user.department_id == notice.department_id


@transaction.atomic
def request_note(
    *, actor: User, request: ServiceRequest, note: str, http_request=None
) -> RequestEvent:
    """A progress note while a request is handled (no change of status)."""
    if not may_work_on(actor, request):
        raise IllegalTransition(_("只有受理人员和承办、协办部门可以记录进展。"))
    if request.status not in OPEN:
        raise IllegalTransition(_("只有办理中的诉求可以添加进展记录。"))
    if not note.strip():
        raise IllegalTransition(_("请填写进展情况。"))
    event = RequestEvent.objects.create(
        request=request,
        action="note",
        from_status=request.status,
        to_status=request.status,
        actor=actor,
        department=actor.department,
        note=note[:2000],
    )
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=request,
        detail={"action": "note"},
    )
    return event


@transaction.atomic
def notice_answer(
    *, actor: User, notice: SupervisionNotice, answer: str, http_request=None
) -> SupervisionNotice:
    """The handling unit answers a supervision notice (once)."""
    if not may_answer(actor, notice):
        raise IllegalTransition(_("督办单由收到它的承办部门答复。"))
    if not answer.strip():
        raise IllegalTransition(_("请填写督办答复。"))
    if not SupervisionNotice.objects.filter(pk=notice.pk, answered_at__isnull=True).update(
        answer=answer[:2000], answered_at=timezone.now()
    ):
        raise IllegalTransition(_("该督办单已答复。"))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=notice,
        detail={"answered": True},
    )
    notice.refresh_from_db()
    return notice


ATTACHMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx")
ATTACHMENT_MAX = 10 * 1024 * 1024


@transaction.atomic
def attachment_add(*, actor: User, request: ServiceRequest, upload, http_request=None):
    from .models import RequestAttachment

    if not may_work_on(actor, request):
        raise IllegalTransition(_("只有受理人员和承办、协办部门可以上传附件。"))
    name = upload.name.rsplit("/", 1)[-1][:200]
    if not name.lower().endswith(ATTACHMENT_TYPES):
        raise IllegalTransition(_("附件只能是 PDF、图片、Word 或 Excel 文件。"))
    if upload.size > ATTACHMENT_MAX:
        raise IllegalTransition(_("附件不能超过 10 MB。"))
    attachment = RequestAttachment.objects.create(
        request=request, file=upload, name=name, size=upload.size, uploaded_by=actor
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=attachment,
        detail={"request": request.number},
    )
    return attachment


@transaction.atomic
def categories_save(*, actor: User, formset, http_request=None) -> int:
    """Save edited categories; deadlines of requests already received do not change."""
    changed = [form.instance for form in formset.forms if form.has_changed()]
    formset.save()
    for category in changed:
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            request=http_request,
            obj=category,
            detail={
                "due_working_days": category.due_working_days,
                "due_hours": category.due_hours,
                "active": category.active,
            },
        )
    return len(changed)
