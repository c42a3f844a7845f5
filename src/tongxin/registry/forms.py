"""Forms render the registry's fields; validation is `registry.validation`, shared with the
API and imports."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tongxin.core.codes import ETHNICITY_CHOICES, SEX_CHOICES
from tongxin.core.fields import DateField

from .codes import (
    Education,
    ExpectedDuration,
    HousingKind,
    IdType,
    IncomeBand,
    InsuranceKind,
    MaritalStatus,
    NativeScript,
    Occupation,
    Relationship,
    Schooling,
    StayReason,
)
from .validation import clean_housing, clean_person, clean_stay

BLANK: list = [("", "—")]
DATE = forms.DateInput(attrs={"type": "date"})


def apply_errors(form: forms.BaseForm, exc: ValidationError, *, once: tuple[str, ...] = ()) -> None:
    """Put a service's or validator's errors on the form's fields (others on the form);
    fields named in `once` keep only the message they already have, if any."""
    for field, messages in exc.message_dict.items():
        if field in once and form.has_error(field):
            continue
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class PersonForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"), max_length=300, help_text=_("少数民族姓名各部分之间用“·”分隔")
    )
    sex = forms.ChoiceField(label=_("性别"), choices=BLANK + SEX_CHOICES)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=BLANK + ETHNICITY_CHOICES)
    ethnicity_other = forms.CharField(label=_("其他民族名称"), required=False)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.CITIZEN_ID
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    birth_date = forms.CharField(label=_("出生日期"), widget=DATE)
    phone = forms.CharField(
        label=_("手机号码"), required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    native_name = forms.CharField(label=_("本民族文字姓名"), required=False)
    native_script = forms.ChoiceField(
        label=_("本民族文字"), choices=BLANK + NativeScript.choices, required=False
    )
    latin_name = forms.CharField(label=_("拉丁字母转写"), required=False)
    former_names = forms.CharField(label=_("曾用名"), required=False)
    hukou_code = forms.CharField(label=_("户籍地区划代码"), required=False, max_length=6)
    hukou_address = forms.CharField(label=_("户籍地址"), required=False)
    origin_code = forms.CharField(label=_("流出地区划代码"), required=False, max_length=6)
    education = forms.ChoiceField(
        label=_("文化程度"), choices=BLANK + Education.choices, required=False
    )
    occupation = forms.ChoiceField(
        label=_("职业"), choices=BLANK + Occupation.choices, required=False
    )
    employer = forms.CharField(label=_("工作单位"), required=False)
    marital_status = forms.ChoiceField(
        label=_("婚姻状况"), choices=BLANK + MaritalStatus.choices, required=False
    )
    languages = forms.CharField(
        label=_("使用语言"), required=False, help_text=_("如：维吾尔语、汉语")
    )
    interpreter_needed = forms.BooleanField(label=_("需要翻译"), required=False)
    insurance_kinds = forms.MultipleChoiceField(
        label=_("参加社会保险"),
        choices=InsuranceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    insurance_place = forms.CharField(label=_("参保地"), required=False)
    income_band = forms.ChoiceField(
        label=_("家庭月收入"), choices=BLANK + IncomeBand.choices, required=False
    )
    residence_permit_number = forms.CharField(label=_("居住证号码"), required=False)
    residence_permit_valid_until = forms.CharField(
        label=_("居住证有效期至"), required=False, widget=DATE
    )

    def clean(self):
        data = super().clean() or {}
        try:
            self.values = clean_person(data)
        except ValidationError as exc:
            apply_errors(self, exc)
        return data


class PersonEditForm(PersonForm):
    change_reason = forms.CharField(label=_("修改原因"), max_length=200)

    def __init__(self, *args, kept: dict[str, tuple[str, str]] | None = None, **kwargs):
        """`kept`: fields shown masked ({name: (stored value, masked value)}): the input
        starts empty, and left empty it keeps the stored value."""
        super().__init__(*args, **kwargs)
        self.kept = kept or {}
        for name, (_stored, masked) in self.kept.items():
            field = self.fields[name]
            field.required = False
            field.help_text = _("当前：%(masked)s。不修改则保持原值。") % {"masked": masked or "—"}

    def clean(self):
        data = self.cleaned_data
        for name, (stored, _masked) in self.kept.items():
            if not str(data.get(name) or "").strip():
                data[name] = stored
        return super().clean()


GRID_SELECT_LIMIT = 500


class GridInput(forms.TextInput):
    """A grid code, typed or picked from a list the browser searches by name as one types
    (a datalist): for a scope with more grids than a select can usefully hold."""

    def __init__(self, grids, attrs=None):
        super().__init__(attrs)
        self.grids = grids

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or name}_options"
        attrs.update(list=list_id, autocomplete="off", placeholder=_("输入网格名称或代码"))
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            self.grids.values_list("code", "name").iterator(),
        )
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            options,
        )


def _grid_widget(field: forms.Field, grids) -> None:
    """Every grid of the scope can be chosen: a select when there are few, else a code
    input searchable by name (the form validates the code against the scope's grids)."""
    first = list(grids.values_list("code", "name")[: GRID_SELECT_LIMIT + 1])
    if len(first) <= GRID_SELECT_LIMIT:
        field.widget = forms.Select(choices=BLANK + first)
    else:
        field.widget = GridInput(grids)
    field.widget.is_required = field.required


class StayForm(forms.Form):
    grid = forms.CharField(label=_("网格"), max_length=15)
    arrival_date = forms.CharField(label=_("来本地日期"), widget=DATE)
    reason = forms.ChoiceField(label=_("流动原因"), choices=BLANK + StayReason.choices)
    expected_duration = forms.ChoiceField(
        label=_("预计居住时间"), choices=ExpectedDuration.choices, initial=ExpectedDuration.UNKNOWN
    )
    address = forms.CharField(label=_("现居住地址"), required=False)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = grids
        _grid_widget(self.fields["grid"], grids)

    def clean(self):
        data = super().clean() or {}
        try:
            self.values = clean_stay(
                data, grid_lookup=lambda code: self.grids.filter(code=code).first()
            )
        except ValidationError as exc:
            apply_errors(self, exc, once=("grid",))
        return data


class DepartureForm(forms.Form):
    departure_date = DateField(label=_("离开日期"), widget=DATE)
    destination = forms.CharField(label=_("去向"), max_length=200, required=False)


class HousingForm(forms.Form):
    address = forms.CharField(label=_("房屋地址"), max_length=300)
    grid = forms.CharField(label=_("所在网格"), max_length=15)
    kind = forms.ChoiceField(label=_("房屋类别"), choices=BLANK + HousingKind.choices)
    landlord_name = forms.CharField(label=_("房东（产权人）"), required=False)
    landlord_phone = forms.CharField(label=_("房东电话"), required=False)
    rental_start = forms.CharField(label=_("租期起"), required=False, widget=DATE)
    rental_end = forms.CharField(label=_("租期止"), required=False, widget=DATE)

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.grids = grids
        _grid_widget(self.fields["grid"], grids)

    def clean(self):
        data = super().clean() or {}
        try:
            self.values = clean_housing(
                data, grid_lookup=lambda code: self.grids.filter(code=code).first()
            )
        except ValidationError as exc:
            apply_errors(self, exc, once=("grid",))
        return data


class MemberForm(PersonForm):
    """One member in the household visit: the person, their relation and their stay."""

    relationship = forms.ChoiceField(label=_("与户主关系"), choices=BLANK + Relationship.choices)
    schooling = forms.ChoiceField(
        label=_("就学状况"), choices=Schooling.choices, initial=Schooling.NOT_SCHOOL_AGE
    )
    arrival_date = forms.CharField(label=_("来本地日期"), widget=DATE)
    reason = forms.ChoiceField(label=_("流动原因"), choices=BLANK + StayReason.choices)
    expected_duration = forms.ChoiceField(
        label=_("预计居住时间"), choices=ExpectedDuration.choices, initial=ExpectedDuration.UNKNOWN
    )
    field_order = [
        "name",
        "relationship",
        "sex",
        "ethnicity",
        "ethnicity_other",
        "id_type",
        "id_number",
        "birth_date",
        "phone",
        "arrival_date",
        "reason",
        "expected_duration",
        "schooling",
        "origin_code",
        "occupation",
    ]

    def clean(self):
        data = super().clean() or {}
        if not data.get("relationship"):
            self.add_error("relationship", _("请选择与户主关系。"))
        try:
            self.stay_values = clean_stay(
                {**data, "grid": "__visit__"}, grid_lookup=lambda code: object()
            )
        except ValidationError as exc:
            apply_errors(self, exc)
        return data


class BreakGlassForm(forms.Form):
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    reason = forms.CharField(
        label=_("紧急访问事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class MergeForm(forms.Form):
    reason = forms.CharField(label=_("合并理由"), max_length=300)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    unit = forms.CharField(label=_("辖区代码"), required=False)
    ethnicity = forms.ChoiceField(
        label=_("民族"), choices=BLANK + ETHNICITY_CHOICES, required=False
    )
    sex = forms.ChoiceField(label=_("性别"), choices=BLANK + SEX_CHOICES, required=False)
    age_band = forms.ChoiceField(
        label=_("年龄段"),
        required=False,
        choices=BLANK + [(k, k) for k in ("0-2", "3-5", "6-14", "15-17", "18-59", "60+")],
    )
    origin_province = forms.ChoiceField(label=_("流出地（省）"), required=False)
    reason = forms.ChoiceField(
        label=_("流动原因"), choices=BLANK + StayReason.choices, required=False
    )
    arrival_from = DateField(label=_("来本地日期起"), required=False, widget=DATE)
    arrival_to = DateField(label=_("来本地日期止"), required=False, widget=DATE)
    present = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("1", _("在本地")), ("0", _("已离开"))],
    )
    occupation = forms.ChoiceField(
        label=_("职业"), choices=BLANK + Occupation.choices, required=False
    )
    education = forms.ChoiceField(
        label=_("文化程度"), choices=BLANK + Education.choices, required=False
    )
    income_band = forms.ChoiceField(
        label=_("家庭月收入"), choices=BLANK + IncomeBand.choices, required=False
    )
    insurance = forms.ChoiceField(
        label=_("社会保险"),
        required=False,
        choices=BLANK + InsuranceKind.choices + [("none", _("未参加任何保险"))],
    )
    interpreter_needed = forms.BooleanField(label=_("需要翻译"), required=False)
    school_age_children = forms.BooleanField(label=_("有学龄儿童的家庭"), required=False)
    age_from = forms.IntegerField(label=_("年龄自"), required=False, min_value=0, max_value=150)
    age_to = forms.IntegerField(label=_("年龄至"), required=False, min_value=0, max_value=150)
    housing_kind = forms.ChoiceField(
        label=_("住房类别"),
        required=False,
        choices=BLANK + HousingKind.choices + [("none", _("未登记住房"))],
    )

    def __init__(self, *args, provinces: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin_province"].choices = BLANK + sorted(provinces.items())  # type: ignore[attr-defined]


DUPLICATE_RULE_FIELDS = [
    ("name", _("姓名")),
    ("pinyin_full", _("姓名拼音")),
    ("birth_date", _("出生日期")),
    ("sex", _("性别")),
    ("ethnicity", _("民族")),
    ("origin_code", _("流出地")),
    ("hukou_code", _("户籍地")),
    ("phone_hash", _("手机号码")),
]


class DuplicateRuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    compare = forms.MultipleChoiceField(
        label=_("比对字段（全部相同即为疑似重复）"),
        choices=DUPLICATE_RULE_FIELDS,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_compare(self):
        chosen = self.cleaned_data["compare"]
        if len(chosen) < 2:
            raise ValidationError(_("请至少选择两个字段，单一字段会产生大量误报。"))
        return chosen
