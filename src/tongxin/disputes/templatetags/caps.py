"""`{% load caps %}` … `{% if user|can:"dispute.read" %}`: capability checks in templates."""

from django import template

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can(capability))


@register.filter
def percent(part, whole) -> str:
    """`3|percent:4` → "75%"; "—" when there is nothing to divide by."""
    if not whole:
        return "—"
    return f"{round(100 * (part or 0) / whole)}%"


@register.filter
def rate(value) -> str:
    """A rate between 0 and 1 as a percentage; "—" for None."""
    return "—" if value is None else f"{round(100 * value)}%"


@register.filter
def days(value) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def get(mapping, key: str):
    """`typed|get:"party-name"`: a value whose key is not a valid template name."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
