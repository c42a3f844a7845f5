from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.models import Department
from tongxin.core.fields import DateField
from tongxin.geo.models import Unit

from .models import (
    AssessmentCriterion,
    ChecklistTemplate,
    ExchangeKind,
    MeetingKind,
    NoticeKind,
    PartnerRegion,
    WindowKind,
    WindowUnit,
)
from .services import notice_default_title

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.code}）"


class UnitMultiple(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.code}）"


class TaskForm(forms.Form):
    title = forms.CharField(label=_("督办事项"), max_length=200)
    description = forms.CharField(label=_("内容和要求"), widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.CharField(
        label=_("任务来源（如领导批示、上级交办、会议议定）"), max_length=200, required=False
    )
    due_date = DateField(label=_("办结时限"), widget=DATE)
    departments = forms.ModelMultipleChoiceField(
        label=_("承办部门"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    units = UnitMultiple(
        label=_("承办区县、街道"),
        queryset=Unit.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, departments, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments  # type: ignore[attr-defined]
        self.fields["units"].queryset = units  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        if not data.get("departments") and not data.get("units"):
            self.add_error("departments", _("请至少指定一个承办部门或单位。"))
        return data


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=NoticeKind.choices)
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        initial=notice_default_title,  # the document is Chinese in any UI language
    )
    period_from = DateField(label=_("通报期间自"), widget=DATE)
    period_to = DateField(label=_("至"), widget=DATE)


class NoticeEditForm(forms.Form):
    number = forms.CharField(label=_("文号"), max_length=40, required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 10}))


class AssessmentOpenForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000)
    unit = UnitChoice(label=_("被考核单位"), queryset=Unit.objects.none(), to_field_name="code")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year


class CriterionForm(forms.ModelForm):
    class Meta:
        model = AssessmentCriterion
        fields = ["name", "max_score", "metric", "is_veto", "order", "active"]


class WindowUnitForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类别"), choices=WindowKind.choices)
    unit = UnitChoice(label=_("所在辖区"), queryset=Unit.objects.none(), to_field_name="code")
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    department = forms.ModelChoiceField(
        label=_("主管部门"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, units, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class InspectionStartForm(forms.Form):
    window_unit = forms.ModelChoiceField(label=_("窗口单位"), queryset=WindowUnit.objects.none())
    template = forms.ModelChoiceField(
        label=_("检查表"), queryset=ChecklistTemplate.objects.filter(active=True)
    )

    def __init__(self, *args, windows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window_unit"].queryset = windows  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类别"), choices=MeetingKind.choices)
    date = DateField(label=_("会议日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    chair = forms.CharField(label=_("主持人"), max_length=100, required=False)
    agenda = forms.CharField(label=_("议程"), widget=forms.Textarea(attrs={"rows": 4}))
    partner_regions = forms.ModelMultipleChoiceField(
        label=_("参加的流出地（输出地与输入地联席会议）"),
        queryset=PartnerRegion.objects.none(),
        required=False,
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_regions"].queryset = regions  # type: ignore[attr-defined]


class RegionForm(forms.Form):
    name = forms.CharField(label=_("流出地名称"), max_length=100)
    code = forms.CharField(label=_("区划代码（6 位）"), max_length=6, required=False)
    agreement = forms.CharField(
        label=_("协作内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    since = DateField(label=_("建立协作日期"), required=False, widget=DATE)


class StationForm(forms.Form):
    name = forms.CharField(label=_("工作站名称"), max_length=200)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    phone = forms.CharField(label=_("办公电话"), max_length=30, required=False)
    established_on = DateField(label=_("设立日期"), required=False, widget=DATE)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    position = forms.CharField(label=_("职务"), max_length=100, required=False)
    organisation = forms.CharField(label=_("单位"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    languages = forms.CharField(label=_("工作语言"), max_length=100, required=False)


class ExchangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ExchangeKind.choices)
    date = DateField(label=_("日期"), widget=DATE)
    title = forms.CharField(label=_("事由"), max_length=200)
    content = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))
    dispute_number = forms.CharField(label=_("相关纠纷编号"), max_length=20, required=False)
    shared = forms.BooleanField(label=_("与流出地共享"), required=False, initial=True)
