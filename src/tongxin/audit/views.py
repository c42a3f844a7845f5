from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.core.fields import DateField
from tongxin.exchange.lists import export_context, export_response

from .models import Action
from .selectors import audit_events_for
from .services import audit_record, audit_verify


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("动作"), choices=[("", _("全部"))] + list(Action.choices), required=False
    )
    actor = forms.CharField(label=_("操作人"), required=False)
    object_type = forms.CharField(label=_("对象类型"), required=False)
    date_from = DateField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@capability_required(Cap.AUDIT_READ)
def event_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()  # a field in error says why and is left out; the others still filter
        filters = form.cleaned_data
    events = audit_events_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    verify = None
    if request.method == "POST":
        verify = audit_verify()
        audit_record(
            action=Action.VERIFY,
            request=request,
            object_type="audit.chain",
            outcome="success" if verify.ok else "failure",
            detail={"checked": verify.checked, "reason": verify.reason},
        )
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "verify": verify,
            **export_context(request),
        },
    )


@capability_required(Cap.AUDIT_READ)
def event_export(request):
    """The filtered log, every event, as Excel or CSV; the export is itself an event."""
    from .exports import EVENTS, event_rows

    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return HttpResponseBadRequest(
            " ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    filters = form.cleaned_data if form.is_bound else {}
    events = audit_events_for(request.user, **{k: v for k, v in filters.items() if v})
    return export_response(
        request,
        EVENTS,
        event_rows(events),
    )
