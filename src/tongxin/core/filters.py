"""What the lists' filters share: a choice filter's value is one its page offers, or refused."""

from __future__ import annotations

from collections.abc import Container

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
