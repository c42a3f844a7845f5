"""The forms' workflow: a unit submits its form for a period (frozen as computed then); the
unit above accepts it or returns it with a comment; a returned form is submitted again.
Column configuration changes go through here too. Each step is audited."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.accounts.roles import Cap
from tongxin.audit.services import Action, audit_record
from tongxin.core.workdays import add_working_days
from tongxin.disputes.services import notify
from tongxin.geo.models import Level, Unit

from . import columns as cols
from . import tables
from .models import FormEvent, FormStatus, ReportColumn, ReportTemplate, StatForm
from .periods import Period


def deadline_for(template: ReportTemplate, unit: Unit, period: Period) -> date:
    """The Nth working day after the period's end, N by the unit's level (the template)."""
    days = (template.deadline_days or {}).get(unit.level, 5)
    return add_working_days(period.end, int(days))


def form_url(unit: Unit, period: Period) -> str:
    return f"/reports/{unit.code}/{period.key}/"


def filing_refusal(user: User, unit: Unit) -> str:
    """Why `user` may not submit `unit`'s forms ("" if they may): their own unit's, or a
    unit right below theirs that has not filed (they file on its behalf)."""
    if not user.can(Cap.REPORT_FILE):
        return _("您没有填报统计报表的权限。")
    if user.unit_id is None or (unit.pk != user.unit_id and unit.parent_id != user.unit_id):
        return _("只能填报本单位（或代下一级单位填报）的报表。")
    if unit.level == Level.GRID:
        return _("网格不单独填报，其数据汇入社区报表。")
    return ""


def review_refusal(user: User, form: StatForm) -> str:
    """Why `user` may not accept or return this form ("" if they may): the unit directly
    above the form's unit reviews it."""
    if not user.can(Cap.REPORT_REVIEW):
        return _("您没有审核统计报表的权限。")
    if user.unit_id is None or form.unit.parent_id != user.unit_id:
        return _("报表由上一级单位审核。")
    return ""


def accept_refusal(user: User, form: StatForm) -> str:
    """Why `user` may not accept this form beyond `review_refusal` ("" if they may): a form
    someone filed (for a unit below, on its behalf) is accepted by someone else."""
    if form.submitted_by_id is not None and form.submitted_by_id == user.pk:
        return _(
            "这份报表是您本人上报（代报）的，不能由本人审核通过；"
            "请由本单位其他有审核权限的人员审核。"
        )
    return ""


def configure_refusal(user: User) -> str:
    """Why `user` may not change the columns ("" if they may): there is one template for
    the whole city, so only the city's bureau configures it."""
    if not user.can(Cap.REPORT_CONFIGURE):
        return _("您没有配置统计报表的权限。")
    if user.unit is None or user.unit.level != Level.CITY:
        return _("报表列全市统一，由市级民宗部门配置。")
    return ""


def _reviewers(unit: Unit):
    if unit.parent_id is None:
        return []
    users = User.objects.filter(unit_id=unit.parent_id, is_active=True)
    return [u for u in users if u.can(Cap.REPORT_REVIEW)]


@transaction.atomic
def form_submit(
    *,
    actor: User,
    unit: Unit,
    period: Period,
    preparer: str,
    template: ReportTemplate | None = None,
    request=None,
    today: date | None = None,
) -> StatForm:
    """Freeze the form as computed now and send it up."""
    template = template or tables.default_template()
    today = today or timezone.localdate()
    refusal = filing_refusal(actor, unit)
    if refusal:
        raise PermissionDenied(refusal)
    if period.end >= today:
        raise ValidationError(_("报告期尚未结束，%(d)s 之后才能上报。") % {"d": period.end})
    if not preparer.strip():
        raise ValidationError({"preparer": [_("请填写填表人。")]})
    form = (
        StatForm.objects.select_for_update()
        .filter(template=template, unit=unit, period=period.key)
        .first()
    )
    if form is not None and form.status != FormStatus.RETURNED:
        raise ValidationError(_("该报表已上报；如需修改，请由上级单位退回。"))
    table = tables.compute(unit, period, template=template, today=today)
    if unit.level != Level.COMMUNITY:
        not_accepted = [
            r.name for r in table.rows if not r.own_level and r.status != FormStatus.ACCEPTED
        ]
        if not_accepted:
            raise ValidationError(
                _("下级单位的报表尚未全部审核通过：%(units)s。")
                % {"units": "、".join(not_accepted[:10]) + ("等" if len(not_accepted) > 10 else "")}
            )
    now = timezone.now()
    deadline = deadline_for(template, unit, period)
    values = {
        "status": FormStatus.SUBMITTED,
        "data": table.frozen(),
        "preparer": preparer.strip()[:50],
        "submitted_by": actor,
        "submitted_at": now,
        "deadline": deadline,
        "late": timezone.localtime(now).date() > deadline,
        "reviewed_by": None,
        "reviewed_at": None,
        "comment": "",
        "unit_path": unit.path,
    }
    if form is None:
        form = StatForm.objects.create(template=template, unit=unit, period=period.key, **values)
    else:
        for name, value in values.items():
            setattr(form, name, value)
        form.save()
    FormEvent.objects.create(form=form, action="submit", actor=actor, at=now)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=request,
        obj=form,
        detail={"unit": unit.code, "period": period.key, "total": table.total},
    )
    notify(
        _reviewers(unit),
        _("%(unit)s 上报了%(period)s的%(title)s，请审核。")
        % {"unit": unit.name, "period": period.label, "title": template.title},
        form_url(unit, period),
        "report_submitted",
    )
    return form


@transaction.atomic
def form_review(
    *, actor: User, form: StatForm, accept: bool, comment: str = "", request=None
) -> StatForm:
    """Accept a submitted form, or return it (submitted or accepted, as long as the
    reviewer's own form for the period has not gone up) with a comment saying why."""
    form = StatForm.objects.select_for_update().select_related("unit").get(pk=form.pk)
    refusal = review_refusal(actor, form)
    if refusal:
        raise PermissionDenied(refusal)
    comment = comment.strip()
    if accept and form.status != FormStatus.SUBMITTED:
        raise ValidationError(_("只有已上报的报表可以审核通过。"))
    if accept and accept_refusal(actor, form):
        raise ValidationError(accept_refusal(actor, form))
    if not accept:
        if not comment:
            raise ValidationError({"comment": [_("退回时请说明原因。")]})
        if form.status == FormStatus.RETURNED:
            raise ValidationError(_("该报表已退回。"))
        parent_form = StatForm.objects.filter(
            template=form.template, unit=form.unit.parent, period=form.period
        ).first()
        if parent_form is not None and parent_form.status != FormStatus.RETURNED:
            raise ValidationError(_("本单位的报表已上报，不能再退回下级报表。"))
    now = timezone.now()
    form.status = FormStatus.ACCEPTED if accept else FormStatus.RETURNED
    form.reviewed_by, form.reviewed_at, form.comment = actor, now, comment[:500]
    form.save(update_fields=["status", "reviewed_by", "reviewed_at", "comment"])
    FormEvent.objects.create(
        form=form, action="accept" if accept else "return", actor=actor, at=now, comment=comment
    )
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=request,
        obj=form,
        detail={"status": form.status, "comment": comment},
    )
    if not accept:
        period = Period.parse(form.period)
        notify(
            [form.submitted_by],
            _("%(period)s的%(title)s被退回：%(comment)s")
            % {"period": period.label, "title": form.template.title, "comment": comment},
            form_url(form.unit, period),
            "report_returned",
        )
    return form


@transaction.atomic
def column_save(
    *,
    actor: User,
    template: ReportTemplate,
    code: str,
    group: str,
    label: str,
    keys: str,
    order: int,
    active: bool = True,
    column: ReportColumn | None = None,
    request=None,
) -> ReportColumn:
    """Add a column (`column` None: its code must be new in the template) or change
    `column` (its code stays); the expression must name real counts. Forms already
    submitted keep the columns they were submitted with."""
    refusal = configure_refusal(actor)
    if refusal:
        raise PermissionDenied(refusal)
    try:
        cols.parse(keys)
    except ValueError as exc:
        raise ValidationError({"keys": [str(exc)]}) from None
    if not label.strip():
        raise ValidationError({"label": [_("请填写列名。")]})
    created = column is None
    if column is None:
        existing = (
            ReportColumn.objects.select_for_update().filter(template=template, code=code).first()
        )
        if existing is not None:
            raise ValidationError(
                {
                    "code": [
                        _(
                            "代码 %(code)s 已被报表列「%(label)s」使用，请换一个代码；"
                            "如需修改该列，请在列表中点击“修改”。"
                        )
                        % {"code": code, "label": existing.label}
                    ]
                }
            )
        column = ReportColumn(template=template, code=code)
    elif column.template_id != template.pk or column.code != code:
        raise ValidationError({"code": [_("报表列的代码保存后不能修改。")]})
    column.group = group.strip()
    column.label = label.strip()
    column.keys = " ".join(keys.split())
    column.order = order
    column.active = active
    column.save()
    audit_record(
        action=Action.CREATE if created else Action.UPDATE,
        actor=actor,
        request=request,
        obj=column,
        detail={"code": code, "keys": column.keys, "active": active},
    )
    return column
