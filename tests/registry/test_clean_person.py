"""clean_person: one validation for form, API and import, with a Chinese message per field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.registry.validation import clean_person

from .factories import citizen_id

BIRTH = date(1988, 3, 9)
MALE_ID = citizen_id("410104", BIRTH, 11)  # 17th digit 1: male


def data(**changes) -> dict:
    values = {
        "name": "马  明",
        "sex": "1",
        "birth_date": BIRTH.isoformat(),
        "ethnicity": "03",
        "id_number": MALE_ID,
    }
    values.update(changes)
    return values


def errors_of(**changes) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        clean_person(data(**changes))
    return exc.value.message_dict


def test_valid_person_is_cleaned():
    out = clean_person(
        data(sex="男", ethnicity="3", phone="+86 138-1234-5678", hukou_code="410104")
    )
    assert out["name"] == "马 明"
    assert out["name_as_typed"] == "马  明"
    assert out["sex"] == "1"
    assert out["ethnicity"] == "03"
    assert out["birth_date"] == BIRTH
    assert out["id_number"] == MALE_ID
    assert out["id_type"] == "citizen_id"
    assert out["phone"] == "13812345678"
    assert out["hukou_code"] == "410104"


def test_wrong_check_digit():
    wrong = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
    assert errors_of(id_number=wrong) == {
        "id_number": ["公民身份号码校验位不正确，请核对每一位数字。"]
    }


def test_birth_date_must_match_the_id():
    assert errors_of(birth_date="1988-03-10") == {
        "birth_date": ["出生日期与公民身份号码不一致（号码中为 1988-03-09）。"]
    }


def test_sex_must_match_the_id():
    assert errors_of(sex="2") == {"sex": ["性别与公民身份号码不一致（号码第 17 位为男性）。"]}


def test_an_unknown_document_type_is_refused_not_crashed_on():
    assert errors_of(id_type="军官证") == {"id_type": ["“军官证”不是可选的值。"]}


def test_ethnicity_is_required():
    assert errors_of(ethnicity="") == {"ethnicity": ["民族必须填写（不得为空）。"]}


def test_unknown_ethnicity_code():
    assert errors_of(ethnicity="60") == {"ethnicity": ["民族代码“60”不在 GB/T 3304 中。"]}


def test_other_ethnicity_needs_its_name():
    assert errors_of(ethnicity="97") == {"ethnicity_other": ["民族为“其他”时请填写民族名称。"]}
    out = clean_person(data(ethnicity="97", ethnicity_other="穿青人"))
    assert (out["ethnicity"], out["ethnicity_other"]) == ("97", "穿青人")


def test_future_birth_date_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    errors = errors_of(birth_date=tomorrow.isoformat())
    assert errors["birth_date"][0] == "出生日期不能晚于今天。"


def test_unparseable_birth_date():
    assert errors_of(birth_date="1988-13-01") == {
        "birth_date": ["出生日期“1988-13-01”不是有效日期（格式 2024-05-01）。"]
    }


@pytest.mark.parametrize("phone", ["12345", "23812345678", "1381234567"])
def test_bad_phone_numbers(phone):
    assert errors_of(phone=phone) == {"phone": ["请填写 11 位大陆手机号码（1 开头）。"]}


def test_hukou_code_must_be_a_current_division():
    assert errors_of(hukou_code="999999") == {
        "hukou_code": ["户籍地代码 999999 不是现行行政区划代码。"]
    }
    assert clean_person(data(hukou_code="410104"))["hukou_code"] == "410104"


def test_all_errors_are_reported_together():
    errors = errors_of(name="", ethnicity="", phone="12345", hukou_code="999999")
    assert set(errors) == {"name", "ethnicity", "phone", "hukou_code"}


def test_fifteen_digit_id_is_upgraded():
    legacy = "110105491231002"
    out = clean_person(data(id_number=legacy, birth_date="1949-12-31", sex="2"))
    assert out["id_number"] == "11010519491231002X"


def test_name_longer_than_the_column_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_person(data(name="阿" * 301))
    assert "name" in exc.value.message_dict
