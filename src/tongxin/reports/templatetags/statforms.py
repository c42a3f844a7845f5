"""`{% load statforms %}`: labels for a form's states and workflow steps."""

from django import template
from django.utils.translation import gettext as _

from tongxin.reports.models import FormStatus

register = template.Library()


@register.filter
def form_status(value: str) -> str:
    return str(FormStatus(value).label) if value in FormStatus.values else value


@register.filter
def form_state(value: str) -> str:
    """A unit's state for a period: a form's status, or nothing filed yet (due or overdue)."""
    if value == "due":
        return _("未上报")
    if value == "overdue":
        return _("逾期未报")
    return form_status(value)


@register.filter
def form_action(value: str) -> str:
    return {"submit": _("上报"), "accept": _("审核通过"), "return": _("退回")}.get(value, value)
