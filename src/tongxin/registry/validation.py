"""One validation for every way a person enters the registry: form, API and import.

`clean_person` takes raw values (strings or already-typed) and returns typed, normalised
values, or raises ValidationError with a Chinese message on each wrong field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core import validators as v
from tongxin.core.codes import ETHNICITY_NAMES
from tongxin.geo.divisions import county_level_name

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
    StayReason,
    StaySource,
)

PERSON_FIELDS = [
    "name",
    "native_name",
    "native_script",
    "latin_name",
    "former_names",
    "sex",
    "birth_date",
    "ethnicity",
    "ethnicity_other",
    "id_type",
    "id_number",
    "phone",
    "hukou_code",
    "hukou_address",
    "origin_code",
    "education",
    "occupation",
    "employer",
    "marital_status",
    "languages",
    "interpreter_needed",
    "insurance_kinds",
    "insurance_place",
    "income_band",
    "residence_permit_number",
    "residence_permit_valid_until",
]
CHOICES = {
    "native_script": NativeScript,
    "id_type": IdType,
    "education": Education,
    "occupation": Occupation,
    "marital_status": MaritalStatus,
    "income_band": IncomeBand,
}


DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


# Field labels, translated only when a message needs them (imports validate millions of rows).
L_BIRTH = gettext_lazy("出生日期")
L_HUKOU = gettext_lazy("户籍地")
L_ORIGIN = gettext_lazy("流出地")
L_PERMIT = gettext_lazy("居住证有效期")
L_ARRIVAL = gettext_lazy("来本地日期")
L_RENT_START = gettext_lazy("租期起")
L_RENT_END = gettext_lazy("租期止")

CHOICE_VALUES = {key: frozenset(enum.values) for key, enum in CHOICES.items()}
REASON_VALUES = frozenset(StayReason.values)
DURATION_VALUES = frozenset(ExpectedDuration.values)
SOURCE_VALUES = frozenset(StaySource.values)
HOUSING_VALUES = frozenset(HousingKind.values)
INSURANCE_ORDER = tuple(InsuranceKind.values)
INSURANCE_VALUES = frozenset(INSURANCE_ORDER)


def parse_date(value: Any, label: str | Promise) -> date | None:
    """A calendar date from YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYYMMDD (or a date), in
    CALENDAR_YEARS."""
    parsed = _calendar_date(value, label)
    if parsed is not None and parsed.year not in v.CALENDAR_YEARS:
        raise ValidationError(
            _("%(label)s的年份须在 %(first)d 至 %(last)d 之间。")
            % {"label": label, "first": v.CALENDAR_YEARS.start, "last": v.CALENDAR_YEARS.stop - 1}
        )
    return parsed


def _calendar_date(value: Any, label: str | Promise) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = DATE_RE.match(text)
    parts: tuple[str, ...] | None = None
    if match is None and len(text) == 8 and text.isdigit():
        parts = (text[:4], text[4:6], text[6:])
    elif match is not None:
        parts = match.groups()
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise ValidationError(
        _("%(label)s“%(value)s”不是有效日期（格式 2024-05-01）。") % {"label": label, "value": text}
    )


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str | ValidationError) -> None:
        messages = message.messages if isinstance(message, ValidationError) else [message]
        self.by_field.setdefault(field, []).extend(str(m) for m in messages)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _text(data: dict, key: str, limit: int = 300) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()[:limit]


def _division(data: dict, key: str, errors: Errors, label: str | Promise) -> str:
    code = _text(data, key)
    if code and (len(code) != 6 or not code.isdigit() or county_level_name(code) is None):
        errors.add(
            key, _("%(label)s代码 %(code)s 不是现行行政区划代码。") % {"label": label, "code": code}
        )
    return code


def clean_person(data: dict, *, partial: bool = False, current=None) -> dict:
    """Validate a person's fields. With partial=True only the keys present are checked;
    `current` (the stored person) stands in for the identity fields not sent, so that a
    birth date, sex or ID number sent alone is still checked against the others."""
    errors = Errors()
    out: dict[str, Any] = {}
    present = set(data) if partial else set(PERSON_FIELDS)

    if "name" in present:
        try:
            out["name"] = v.validate_name(_text(data, "name", 1000))
            out["name_as_typed"] = _text(data, "name", 300)
        except ValidationError as exc:
            errors.add("name", exc)
    for key in (
        "native_name",
        "latin_name",
        "former_names",
        "ethnicity_other",
        "hukou_address",
        "employer",
        "languages",
        "insurance_place",
        "residence_permit_number",
    ):
        if key in present:
            out[key] = _text(data, key)
    if "former_names" in out and out["former_names"]:
        out["former_names"] = v.normalise_name(out["former_names"])
    for key in CHOICES:
        if key in present:
            value = _text(data, key) or ("citizen_id" if key == "id_type" else "")
            if value and value not in CHOICE_VALUES[key]:
                errors.add(key, _("“%(v)s”不是可选的值。") % {"v": value})
            out[key] = value
    if "sex" in present:
        sex = {"男": "1", "女": "2"}.get(_text(data, "sex"), _text(data, "sex"))
        if sex not in ("1", "2"):
            errors.add("sex", _("性别应为 1（男）或 2（女）。"))
        out["sex"] = sex
    if "ethnicity" in present:
        ethnicity = (
            _text(data, "ethnicity").zfill(2)
            if _text(data, "ethnicity").isdigit()
            else _text(data, "ethnicity")
        )
        if not ethnicity:
            errors.add("ethnicity", _("民族必须填写（不得为空）。"))
        elif ethnicity not in ETHNICITY_NAMES:
            errors.add("ethnicity", _("民族代码“%(v)s”不在 GB/T 3304 中。") % {"v": ethnicity})
        out["ethnicity"] = ethnicity
        if ethnicity == "97" and not _text(data, "ethnicity_other"):
            errors.add("ethnicity_other", _("民族为“其他”时请填写民族名称。"))
    if "birth_date" in present:
        try:
            out["birth_date"] = parse_date(data.get("birth_date"), L_BIRTH)
            if out["birth_date"] is None:
                errors.add("birth_date", _("请填写出生日期。"))
            else:
                v.validate_not_future(out["birth_date"], L_BIRTH)
        except ValidationError as exc:
            errors.add("birth_date", exc)
    id_type = out.get("id_type") or _text(data, "id_type") or IdType.CITIZEN_ID
    # A number of an unknown document type cannot be checked: the type's own error says why.
    if "id_number" in present and id_type in CHOICE_VALUES["id_type"]:
        try:
            out["id_number"] = v.validate_document(id_type, _text(data, "id_number", 40))
        except ValidationError as exc:
            errors.add("id_number", exc)
    _check_citizen_id(out, present, current, errors)
    if "phone" in present:
        phone = _text(data, "phone")
        if phone:
            try:
                out["phone"] = v.validate_mobile(phone)
            except ValidationError as exc:
                errors.add("phone", exc)
        else:
            out["phone"] = ""
    if "hukou_code" in present:
        out["hukou_code"] = _division(data, "hukou_code", errors, L_HUKOU)
    if "origin_code" in present:
        out["origin_code"] = _division(data, "origin_code", errors, L_ORIGIN)
    if "interpreter_needed" in present:
        out["interpreter_needed"] = str(data.get("interpreter_needed")).lower() in (
            "1",
            "true",
            "on",
            "yes",
            "是",
        )
    if "insurance_kinds" in present:
        raw = data.get("insurance_kinds") or []
        kinds = (
            raw
            if isinstance(raw, (list, tuple))
            else [k for k in str(raw).replace("，", ",").split(",")]
        )
        kinds = [k.strip() for k in kinds if k and k.strip()]
        wrong = [k for k in kinds if k not in INSURANCE_VALUES]
        if wrong:
            errors.add("insurance_kinds", _("未知的保险种类：%(v)s") % {"v": "、".join(wrong)})
        out["insurance_kinds"] = ",".join(k for k in INSURANCE_ORDER if k in kinds)
    if "residence_permit_valid_until" in present:
        try:
            out["residence_permit_valid_until"] = parse_date(
                data.get("residence_permit_valid_until"), L_PERMIT
            )
        except ValidationError as exc:
            errors.add("residence_permit_valid_until", exc)
    errors.raise_if_any()
    return out


def _check_citizen_id(out: dict, present: set, current, errors: Errors) -> None:
    """Birth date and sex agree with a citizen ID number: the values sent, else the stored
    ones (`current`) for those not sent."""
    stored = current
    if "id_number" in present:
        number = out.get("id_number")  # validated, or None (its error is given)
        id_type = out.get("id_type") or getattr(stored, "id_type", "") or IdType.CITIZEN_ID
        if not number or id_type != IdType.CITIZEN_ID:
            return
        birth, sex = v.citizen_id_facts(number)
    elif stored is not None and ({"birth_date", "sex", "id_type"} & present):
        id_type = out.get("id_type") or stored.id_type
        if id_type != IdType.CITIZEN_ID:
            return
        try:
            birth, sex = v.citizen_id_info(stored.id_number)
        except ValidationError:
            return  # a stored number that does not validate: its own correction says why
    else:
        return
    birth_date = (
        out.get("birth_date") if "birth_date" in present else getattr(stored, "birth_date", None)
    )
    if birth_date and birth_date != birth:
        errors.add(
            "birth_date",
            _("出生日期与公民身份号码不一致（号码中为 %(d)s）。") % {"d": birth.isoformat()},
        )
    person_sex = out.get("sex") if "sex" in present else getattr(stored, "sex", None)
    if person_sex in ("1", "2") and person_sex != sex:
        errors.add(
            "sex",
            _("性别与公民身份号码不一致（号码第 17 位为%(s)s性）。")
            % {"s": "男" if sex == "1" else "女"},
        )


def clean_stay(data: dict, *, grid_lookup) -> dict:
    """Validate the fields of a stay. `grid_lookup(code)` returns a grid unit or None."""
    errors = Errors()
    out: dict[str, Any] = {}
    grid_code = _text(data, "grid")
    grid = grid_lookup(grid_code) if grid_code else None
    if not grid_code:
        errors.add("grid", _("请选择网格。"))
    elif grid is None:
        errors.add("grid", _("网格 %(code)s 不存在或不在您的管理范围内。") % {"code": grid_code})
    out["grid"] = grid
    try:
        arrival = parse_date(data.get("arrival_date"), L_ARRIVAL)
        if arrival is None:
            errors.add("arrival_date", _("请填写来本地日期。"))
        else:
            v.validate_not_future(arrival, L_ARRIVAL)
        out["arrival_date"] = arrival
    except ValidationError as exc:
        errors.add("arrival_date", exc)
    reason = _text(data, "reason")
    if reason not in REASON_VALUES:
        errors.add("reason", _("请选择流动原因。"))
    out["reason"] = reason
    duration = _text(data, "expected_duration") or ExpectedDuration.UNKNOWN
    if duration not in DURATION_VALUES:
        errors.add("expected_duration", _("“%(v)s”不是可选的值。") % {"v": duration})
    out["expected_duration"] = duration
    source = _text(data, "source") or StaySource.VISIT
    if source not in SOURCE_VALUES:
        errors.add("source", _("“%(v)s”不是可选的值。") % {"v": source})
    out["source"] = source
    out["address"] = _text(data, "address")
    errors.raise_if_any()
    return out


def clean_departure(arrival: date, departure: date | None) -> None:
    if departure is None:
        raise ValidationError({"departure_date": [_("请填写离开日期。")]})
    if departure > v.today():
        raise ValidationError({"departure_date": [_("离开日期不能晚于今天。")]})
    if departure < arrival:
        raise ValidationError(
            {
                "departure_date": [
                    _("离开日期不能早于来本地日期（%(d)s）。") % {"d": arrival.isoformat()}
                ]
            }
        )


def clean_housing(data: dict, *, grid_lookup) -> dict:
    errors = Errors()
    out: dict[str, Any] = {
        "address": _text(data, "address"),
        "landlord_name": _text(data, "landlord_name", 100),
    }
    if not out["address"]:
        errors.add("address", _("请填写房屋地址。"))
    grid = grid_lookup(_text(data, "grid")) if _text(data, "grid") else None
    if grid is None:
        errors.add("grid", _("请选择房屋所在网格。"))
    out["grid"] = grid
    kind = _text(data, "kind")
    if kind not in HOUSING_VALUES:
        errors.add("kind", _("请选择房屋类别。"))
    out["kind"] = kind
    phone = _text(data, "landlord_phone")
    out["landlord_phone"] = ""
    if phone:
        try:
            out["landlord_phone"] = v.validate_mobile(phone)
        except ValidationError as exc:
            errors.add("landlord_phone", exc)
    for key, label in (("rental_start", L_RENT_START), ("rental_end", L_RENT_END)):
        try:
            out[key] = parse_date(data.get(key), label)
        except ValidationError as exc:
            errors.add(key, exc)
    if (
        out.get("rental_start")
        and out.get("rental_end")
        and out["rental_end"] < out["rental_start"]
    ):
        errors.add("rental_end", _("租期止不能早于租期起。"))
    errors.raise_if_any()
    return out
