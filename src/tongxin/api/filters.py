"""The list filters the API shares with the pages (`core.filters`): a value the selector
refuses is a 400 naming the filter, never a server error, and never ignored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError


@contextmanager
def refused_filters() -> Iterator[None]:
    """Around a selector call: its ValidationError becomes the API's 400, keyed by the
    filter ({"status": ["筛选条件“状态”的值无效：x"]})."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(
                {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            ) from None
        raise ValidationError({"non_field_errors": [str(m) for m in exc.messages]}) from None


def choice(name: str, values, description: str = "") -> OpenApiParameter:
    """A choice filter in the schema: one of `values`, anything else a 400."""
    return OpenApiParameter(name, str, enum=list(values), description=description)
