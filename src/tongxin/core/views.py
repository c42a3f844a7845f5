from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import scoped
from tongxin.registry.models import Person

from . import calendar_days, workdays
from .forms import CalendarDaysForm
from .models import CalendarDay


@login_required
def home(request):
    user = request.user
    present = None
    if user.can(Cap.PERSON_READ):
        present = scoped(user, Person.objects.filter(present=True)).count()
    unknown_years = calendar_days.unknown_years() if user.can(Cap.CALENDAR_MANAGE) else []
    return render(request, "core/home.html", {"present": present, "unknown_years": unknown_years})


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def work_calendar(request):
    """The holidays and working weekends deadlines are counted by: published in the package
    or entered here (system administrators) for a year it does not hold yet."""
    can_manage = request.user.can(Cap.CALENDAR_MANAGE)
    form = CalendarDaysForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = calendar_days.days_set(actor=request.user, request=request, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已录入 %(n)d 天。") % {"n": count})
                return redirect("work_calendar")
    years = calendar_days.years_shown()
    entered = CalendarDay.objects.filter(day__year__gte=years[0]).select_related("entered_by")
    return render(
        request,
        "core/calendar.html",
        {
            "form": form,
            "can_manage": can_manage,
            "years": [(y, workdays.published(y), workdays.known(y)) for y in years],
            "entered": entered,
        },
        status=400 if form.errors else 200,
    )


@capability_required(Cap.CALENDAR_MANAGE)
@require_POST
def calendar_day_delete(request, pk: int):
    day = get_object_or_404(CalendarDay, pk=pk)
    calendar_days.day_delete(actor=request.user, day=day, request=request)
    messages.success(request, _("已删除 %(day)s 的安排。") % {"day": day.day})
    return redirect("work_calendar")
