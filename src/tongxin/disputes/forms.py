from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tongxin.core.fields import DateField, DateTimeField
from tongxin.geo.models import Unit

from .models import FollowUpHonoured, Kind, PartyRole, Result, RiskLevel, Severity, Source
from .selectors import months_back
from .services import ETHNIC_REASON_MIN

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# Above this many units a select is too long for a phone: type the code instead.
MAX_SELECT = 300


def unit_field(label, queryset, *, required=True) -> forms.ModelChoiceField:
    """A unit chosen by its code: a select when the choice is short, a code box otherwise."""
    if queryset.count() > MAX_SELECT:
        return forms.ModelChoiceField(
            label=label,
            queryset=queryset,
            to_field_name="code",
            required=required,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            help_text=_("请输入单位代码（社区 12 位、街道 9 位）。"),
        )
    return UnitChoice(label=label, queryset=queryset, to_field_name="code", required=required)


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.code}）"


class ScreeningReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("社区"), queryset=Unit.objects.none())
    period = forms.ChoiceField(label=_("月份"))
    is_zero = forms.BooleanField(
        label=_("本月排查未发现矛盾纠纷（零报告）"),
        required=False,
        help_text=_("发现了矛盾纠纷的，请先逐件登记，再填报本月报告。"),
    )
    visits = forms.IntegerField(
        label=_("走访排查（户次）"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(
        label=_("排查情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("排查的范围和方式，如入户走访、座谈、商户摸排。"),
    )
    tendencies = forms.CharField(
        label=_("苗头性、倾向性问题"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    filed_on = DateField(label=_("报送日期（补录纸质报告时填写）"), required=False, widget=DATE)
    paper_reason = forms.CharField(
        label=_("补录说明"),
        max_length=300,
        required=False,
        help_text=_(
            "截止日期后才录入的纸质报告，写明何时由谁报送、为何未及时录入的，按报送日期计算是否按时；"
            "未写明的按录入时间计算。录入时间照实记录并显示。"
        ),
    )

    def __init__(self, *args, communities, initial_period=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = unit_field(_("社区"), communities)
        self.fields["unit"] = field
        if communities.count() == 1:
            self.fields["unit"].initial = communities.first().code
        months = months_back(timezone.localdate(), 12)
        # Labels in the reader's language ("2026年3月", "March 2026"); values stay ISO.
        choices = [(f"{m:%Y-%m}", date_format(m, "YEAR_MONTH_FORMAT")) for m in reversed(months)]
        self.fields["period"].choices = choices  # type: ignore[attr-defined]
        self.fields["period"].initial = initial_period or choices[0][0]


class PartyFields(forms.Form):
    """One party: a registered person by ID number, or a name as given."""

    name = forms.CharField(label=_("当事人姓名或名称"), max_length=300, required=False)
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices)
    id_number = forms.CharField(
        label=_("证件号码（已登记人员，可不填）"), max_length=40, required=False
    )
    description = forms.CharField(
        label=_("说明（如摊主、房东、用人单位）"), max_length=200, required=False
    )
    interpreter_needed = forms.BooleanField(label=_("需要翻译"), required=False)


class DisputeForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("所属社区或街道"), queryset=Unit.objects.none())
    grid = forms.ModelChoiceField(label=_("网格"), queryset=Unit.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("纠纷类别"), choices=Kind.choices)
    source = forms.ChoiceField(label=_("来源"), choices=Source.choices, initial=Source.SCREENING)
    place = forms.CharField(label=_("发生地点"), max_length=200)
    occurred_on = DateField(label=_("发生日期"), widget=DATE)
    found_on = DateField(label=_("发现日期"), widget=DATE)
    facts = forms.CharField(label=_("事实经过"), widget=forms.Textarea(attrs={"rows": 4}))
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    involves_ethnic_factors = forms.BooleanField(
        label=_("涉及民族因素"),
        required=False,
        help_text=_(
            "一般矛盾纠纷按事实定性，不得归结为民族问题。确有民族因素的，须写明理由，并由上级复核确认。"
        ),
    )
    ethnic_factors_reason = forms.CharField(
        label=_("涉及民族因素的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(_("所属社区或街道"), units, required=False)
        self.fields["grid"] = unit_field(_("网格（可不填）"), grids, required=False)
        for name, queryset in (("unit", units), ("grid", grids)):
            if queryset.count() == 1:  # a community officer's community, a grid worker's grid
                self.fields[name].initial = queryset.first().code
        today = timezone.localdate()
        self.fields["found_on"].initial = today
        self.fields["occurred_on"].initial = today

    def clean(self):
        data = super().clean() or {}
        if not data.get("unit") and not data.get("grid"):
            self.add_error("unit", _("请选择纠纷所属的社区、街道或网格。"))
        if data.get("involves_ethnic_factors"):
            reason = (data.get("ethnic_factors_reason") or "").strip()
            if len(reason) < ETHNIC_REASON_MIN:
                self.add_error(
                    "ethnic_factors_reason",
                    _("认定涉及民族因素须写明事实依据（至少 %(n)d 个字）。")
                    % {"n": ETHNIC_REASON_MIN},
                )
        return data


class DisputeEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("纠纷类别"), choices=Kind.choices)
    place = forms.CharField(label=_("发生地点"), max_length=200)
    occurred_on = DateField(label=_("发生日期"), widget=DATE)
    facts = forms.CharField(label=_("事实经过"), widget=forms.Textarea(attrs={"rows": 5}))
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)


class SessionForm(forms.Form):
    held_on = DateField(label=_("调解日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    mediators = forms.CharField(label=_("调解人员"), max_length=300)
    participants = forms.CharField(label=_("参加人员"), max_length=500, required=False)
    interpreter = forms.CharField(label=_("翻译（语言、姓名）"), max_length=100, required=False)
    outcome = forms.CharField(label=_("调解情况"), widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(forms.Form):
    result = forms.ChoiceField(label=_("调处结果"), choices=Result.choices)
    note = forms.CharField(
        label=_("结果说明（协议主要内容、移交单位）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpForm(forms.Form):
    on = DateField(label=_("回访日期"), widget=DATE)
    method = forms.CharField(label=_("方式"), max_length=50, initial=_("电话回访"))
    honoured = forms.ChoiceField(label=_("协议履行"), choices=FollowUpHonoured.choices)
    note = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    severity = forms.ChoiceField(label=_("事件等级"), choices=Severity.choices)
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=0, initial=0)
    summary = forms.CharField(label=_("事件概况"), widget=forms.Textarea(attrs={"rows": 3}))


class IncidentForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("发生单位"), queryset=Unit.objects.none())
    occurred_at = DateTimeField(label=_("发生时间"), widget=DATETIME)
    place = forms.CharField(label=_("地点"), max_length=200)
    severity = forms.ChoiceField(label=_("事件等级"), choices=Severity.choices)
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=0, initial=0)
    summary = forms.CharField(label=_("事件概况"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(_("发生单位"), units)
        if units.count() == 1:
            self.fields["unit"].initial = units.first().code


class RuleForm(forms.Form):
    deadline_working_day = forms.IntegerField(
        label=_("截止日期：次月第几个工作日"), min_value=1, max_value=20
    )
    reminder_working_days = forms.IntegerField(
        label=_("截止前几个工作日提醒"), min_value=0, max_value=10
    )
    starts_on = DateField(
        label=_("自该月起填报（此前的月份不计缺报）"), required=False, widget=DATE
    )
