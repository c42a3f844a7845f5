"""Date fields of the API's serializers, within CALENDAR_YEARS like the forms'
(`core.fields`)."""

from django.core.exceptions import ValidationError
from rest_framework import serializers

from tongxin.core.validators import validate_calendar_year


class DateField(serializers.DateField):
    default_validators = [validate_calendar_year]


class DateTimeField(serializers.DateTimeField):
    """For input: DRF also calls `enforce_timezone` when it writes a value out."""

    def enforce_timezone(self, value):
        # Checked before the time zone: 0001-01-01T00:00 in the city is before the first
        # UTC moment Python holds, and DRF's own check crashed on it.
        try:
            validate_calendar_year(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="year") from None
        return super().enforce_timezone(value)
