"""Form fields every form of the project uses for dates: within CALENDAR_YEARS, so that a
date typed as 0001-01-01 or 9999-12-31 gets a message instead of crashing whatever converts
it to the city's time or adds a day to it."""

from django import forms

from .validators import validate_calendar_year


class DateField(forms.DateField):
    default_validators = [validate_calendar_year]


class DateTimeField(forms.DateTimeField):
    default_validators = [validate_calendar_year]
