from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.core.fields import DateTimeField
from tongxin.core.validators import validate_callback_phone

from .models import Category, Channel, GreenChannel
from .services import received_at_refusal


class IntakeForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("诉求类别"), queryset=Category.objects.filter(active=True)
    )
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.WINDOW)
    id_number = forms.CharField(label=_("已登记人员的证件号码"), required=False, max_length=40)
    requester_name = forms.CharField(label=_("诉求人姓名"), required=False, max_length=300)
    requester_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}))
    language = forms.CharField(label=_("使用语言"), required=False, max_length=30)
    interpreter_needed = forms.BooleanField(label=_("需要翻译"), required=False)
    green_channel = forms.ChoiceField(
        label=_("绿色通道"), choices=GreenChannel.choices, required=False
    )
    received_at = DateTimeField(
        label=_("受理时间（补录纸质登记时填写）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_requester_phone(self):
        """A number the call-back can dial: a mobile, a fixed line with its area code or a
        400/800 number (core.validators.validate_callback_phone)."""
        value = self.cleaned_data.get("requester_phone", "").strip()
        return validate_callback_phone(value) if value else ""

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and (refusal := received_at_refusal(value)):
            raise forms.ValidationError(refusal)
        return value

    def clean(self):
        data = super().clean() or {}
        if not data.get("id_number") and not (
            data.get("requester_name") and data.get("requester_phone")
        ):
            self.add_error(
                "requester_name", _("请填写已登记人员的证件号码，或诉求人姓名和联系电话。")
            )
        return data


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    department = forms.ChoiceField(label=_("承办部门"), required=False)
    result = forms.CharField(
        label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    satisfaction = forms.TypedChoiceField(
        label=_("满意度"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(str(i), str(i)) for i in range(5, 0, -1)],
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (d.code, f"{d.name}") for d in departments
        ]  # type: ignore[attr-defined]
