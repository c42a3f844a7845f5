from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .validators import CALENDAR_YEARS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CalendarDaysForm(forms.Form):
    """One line of the State Council's notice: a holiday from … to …, or a working weekend."""

    start = forms.DateField(label=_("起始日期"), widget=DATE)
    end = forms.DateField(label=_("截止日期"), widget=DATE, required=False)
    workday = forms.TypedChoiceField(
        label=_("类型"),
        choices=[("0", _("放假")), ("1", _("调休上班"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(
        label=_("说明"), max_length=50, help_text=_("如：春节、国庆节、春节调休上班")
    )

    def clean(self):
        data = self.cleaned_data
        for field in ("start", "end"):
            value = data.get(field)
            if value is not None and value.year not in CALENDAR_YEARS:
                self.add_error(field, _("年份超出范围。"))
        if data.get("start") and not data.get("end"):
            data["end"] = data["start"]
        return data
