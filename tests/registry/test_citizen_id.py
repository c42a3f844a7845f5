"""GB 11643 citizen identity numbers: check character, birth date, sex, 15-digit upgrade."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.core.validators import (
    citizen_id_info,
    normalise_citizen_id,
    upgrade_legacy_id,
    validate_citizen_id,
)

from .factories import citizen_id, gb11643_check

regions = st.from_regex(r"[0-9]{6}", fullmatch=True)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))
legacy_births = st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31))


def test_independent_check_rule_matches_the_published_examples():
    assert gb11643_check("11010519491231002") == "X"
    assert gb11643_check("44052418800101001") == "4"


def test_standard_example_1949_is_valid():
    number = "11010519491231002X"
    assert validate_citizen_id(number) == number
    assert citizen_id_info(number) == (date(1949, 12, 31), "2")


def test_standard_example_1880_is_valid():
    number = "440524188001010014"
    assert gb11643_check(number[:17]) == number[17]
    assert validate_citizen_id(number) == number
    assert citizen_id_info(number) == (date(1880, 1, 1), "1")


def test_lower_case_x_and_spaces_are_normalised():
    assert validate_citizen_id(" 110105 19491231 002x ") == "11010519491231002X"


@settings(max_examples=200, deadline=None)
@given(region=regions, birth=births, sequence=st.integers(0, 999))
def test_every_valid_number_is_accepted_with_its_birth_date_and_sex(region, birth, sequence):
    number = citizen_id(region, birth, sequence)
    assert validate_citizen_id(number) == number
    expected_sex = "1" if int(number[16]) % 2 == 1 else "2"
    assert citizen_id_info(number) == (birth, expected_sex)


@settings(max_examples=200, deadline=None)
@given(region=regions, birth=births, sequence=st.integers(0, 999))
def test_any_single_changed_character_is_rejected(region, birth, sequence):
    number = citizen_id(region, birth, sequence)
    accepted = []
    for position in range(18):
        alphabet = "0123456789X" if position == 17 else "0123456789"
        for char in alphabet:
            if char == number[position]:
                continue
            changed = number[:position] + char + number[position + 1 :]
            try:
                validate_citizen_id(changed)
            except ValidationError:
                continue
            accepted.append(changed)
    assert accepted == []


def test_wrong_check_character_message():
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id("110105194912310021")
    assert exc.value.messages == ["公民身份号码校验位不正确，请核对每一位数字。"]


@settings(max_examples=200, deadline=None)
@given(region=regions, birth=legacy_births, sequence=st.integers(0, 995))
def test_legacy_15_digit_numbers_upgrade_and_round_trip(region, birth, sequence):
    legacy = f"{region}{birth:%y%m%d}{sequence:03d}"
    upgraded = validate_citizen_id(legacy)
    assert len(upgraded) == 18
    assert upgraded == normalise_citizen_id(legacy) == upgrade_legacy_id(legacy)
    assert upgraded[6:8] == "19"
    assert upgraded[17] == gb11643_check(upgraded[:17])
    born, sex = citizen_id_info(upgraded)
    assert born == birth  # 19YY-MM-DD
    assert sex == ("1" if sequence % 2 else "2")
    assert upgraded[:6] + upgraded[8:17] == legacy


def test_standard_legacy_example_upgrades():
    assert upgrade_legacy_id("110105491231002") == "11010519491231002X"
    assert validate_citizen_id("110105491231002") == "11010519491231002X"


@pytest.mark.parametrize("sequence", ["996", "997", "998", "999"])
def test_centenarian_legacy_numbers_are_refused(sequence):
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id(f"110105491231{sequence}")
    assert exc.value.error_list[0].code == "centenarian"


def test_centenarian_legacy_number_with_inner_spaces_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id("110105 491231 996")
    assert exc.value.error_list[0].code == "centenarian"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("11010519491231002", "format"),  # 17 characters
        ("1101051949123100XX", "format"),
        ("110105194902300027", "date"),  # 30 February
        ("110105179912310020", "date"),  # before 1800
    ],
)
def test_malformed_numbers_are_refused(number, code):
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id(number)
    assert exc.value.error_list[0].code == code
