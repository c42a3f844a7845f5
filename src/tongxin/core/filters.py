"""What the lists' filters share: a choice filter's value is one its page offers, or refused."""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .validators import CALENDAR_YEARS

# A checkbox's values: ticked (the page sends "1", API clients "true") or, said outright,
# not ticked ("0", "false": the same as leaving it out).
FLAG_ON = ("1", "true")
FLAGS = (*FLAG_ON, "0", "false")


def known_value(params, name: str, values: Container[str], label) -> str:
    """A list filter's value, if given, is one its page offers (a select's options, a
    checkbox's value, a tab's key): an unknown one is refused with a ValidationError that
    names the filter, never ignored (ignoring it lists, and exports, more than was asked
    for). Returns the value, "" for a blank one (the filter's "all")."""
    value = params.get(name) or ""
    if value and value not in values:
        raise ValidationError(
            {
                name: _("筛选条件“%(label)s”的值无效：%(value)s")
                % {"label": label, "value": value[:40]}
            }
        )
    return value


def flag(params, name: str, label) -> bool:
    """A checkbox filter: ticked ("1", "true"), not ("0", "false", blank), or refused."""
    return known_value(params, name, FLAGS, label) in FLAG_ON


def known_code(params, name: str, records, label):
    """A filter naming a record by its code (a category, a department, a unit, as the
    dashboards' links do): the record, None when blank, else refused like an unknown
    choice — it listed nothing, with no word why."""
    value = params.get(name) or ""
    if not value:
        return None
    found = records.filter(code=value[:64]).first()
    if found is None:
        raise ValidationError(
            {
                name: _("筛选条件“%(label)s”的值无效：%(value)s")
                % {"label": label, "value": value[:40]}
            }
        )
    return found


def year_param(value: str | None) -> int | None:
    """A `?year=` the database can filter on, or None: ASCII digits ("²" passes `isdigit`
    and fails `int`) of a year in `CALENDAR_YEARS` (year 1 in local time is before the first
    UTC date, 10000 after the last; the database raises on both)."""
    value = value or ""
    if value.isascii() and value.isdigit() and len(value) == 4 and int(value) in CALENDAR_YEARS:
        return int(value)
    return None


def month_filter(params, name: str, label) -> date | None:
    """A month filter (`2026-11`): its first day, None when blank, else refused like an
    unknown choice (a typo listed every month)."""
    value = params.get(name) or ""
    if not value:
        return None
    year, _dash, month = value.partition("-")
    if (
        value.isascii()
        and len(value) == 7
        and year.isdigit()
        and month.isdigit()
        and int(year) in CALENDAR_YEARS
        and 1 <= int(month) <= 12
    ):
        return date(int(year), int(month), 1)
    raise ValidationError(
        {
            name: _("筛选条件“%(label)s”的值无效：%(value)s（应为年月，如 %(month)s）")
            % {"label": label, "value": value[:40], "month": f"{timezone.localdate():%Y-%m}"}
        }
    )


def say_shown_instead(request, name: str, label, shown) -> None:
    """A statistics page shows a period whatever it is asked (its default for a malformed
    one); a typo in the period is said, not silently replaced by the default."""
    value = request.GET.get(name) or ""
    if value:
        messages.warning(
            request,
            _("“%(label)s”的值无效：%(value)s，显示的是 %(shown)s。")
            % {"label": label, "value": value[:40], "shown": shown},
        )


def year_filter(params, name: str, label) -> int | None:
    """A year filter (a free-text box on the page): `year_param`'s year, None when blank,
    else refused like an unknown choice (a typo must not list every year)."""
    value = params.get(name) or ""
    if not value:
        return None
    if (year := year_param(value)) is not None:
        return year
    raise ValidationError(
        {
            name: _("筛选条件“%(label)s”的值无效：%(value)s（应为四位年份，如 %(year)d）")
            % {"label": label, "value": value[:40], "year": timezone.localdate().year}
        }
    )


def filtered(request, select, *, empty):
    """A list page's rows through its selector (`select(user, params)`); when the selector
    refuses a filter, `empty` and the reason shown above the list."""
    try:
        return select(request.user, request.GET)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return empty


def refuses_bad_filters(view):
    """An export view: a filter its selector refuses is a 400 with the reason, never the
    file of a wider list."""

    @wraps(view)
    def export(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            return HttpResponseBadRequest(" ".join(exc.messages))

    return export
