"""Names under the 2016 rule: one middle dot "·" (U+00B7) between parts, any GB 18030 character."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tongxin.core.validators import normalise_name, validate_name

from .factories import NAME_50, NAME_60

DOT = "\u00b7"


@pytest.mark.parametrize(
    "separator",
    ["\u2022", "\u30fb", "\uff0e", "\u2027", "\u22c5", ".", "-", DOT],
    ids=[
        "bullet",
        "katakana",
        "fullwidth-stop",
        "hyphenation-point",
        "dot-operator",
        "ascii-dot",
        "ascii-hyphen",
        "middle-dot",
    ],
)
def test_lookalike_separators_become_the_middle_dot(separator):
    assert validate_name(f"买买提{separator}艾力") == "买买提·艾力"
    assert normalise_name(f"阿不都{separator}热依拉{separator}古丽") == "阿不都·热依拉·古丽"


@pytest.mark.parametrize(
    "raw", ["买买提 • 艾力", "买买提  ·艾力", "买买提・ 艾力", "买买提 . 艾力", " 买买提 - 艾力 "]
)
def test_spaces_around_the_dot_are_removed(raw):
    assert validate_name(raw) == "买买提·艾力"


def test_ascii_dot_between_latin_letters_is_left_alone():
    # Only "." or "-" between Chinese parts is a separator.
    assert normalise_name("J.Smith") == "J.Smith"


@pytest.mark.parametrize(("name", "length"), [(NAME_50, 50), (NAME_60, 60)])
def test_long_names_are_accepted_unchanged(name, length):
    assert len(name) == length
    assert sum(1 for c in name if c != DOT) >= 25 and name.count(DOT) >= 5
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["𠮷", "𠮷野", "王𪚥", "买买提·𠮷力"])
def test_characters_outside_the_bmp_are_accepted(name):
    assert any(ord(c) > 0xFFFF for c in name)
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["张3", "买买提·艾力2", "0王"])
def test_digits_are_refused(name):
    with pytest.raises(ValidationError) as exc:
        validate_name(name)
    assert exc.value.messages == ["姓名不能包含数字。"]


def test_fullwidth_digits_are_refused():
    with pytest.raises(ValidationError) as exc:
        validate_name("张３")
    assert exc.value.messages == ["姓名不能包含数字。"]


@pytest.mark.parametrize("name", ["·买买提", "买买提·", "•买买提", "买买提・", "买买提··艾力"])
def test_leading_trailing_or_double_dots_are_refused(name):
    with pytest.raises(ValidationError) as exc:
        validate_name(name)
    assert exc.value.messages == ["姓名中的间隔号“·”只能用在两个部分之间。"]


@pytest.mark.parametrize("name", [".买买提", "买买提.", "-买买提", "买买提-", "买买提..艾力"])
def test_leading_trailing_or_double_ascii_dots_are_refused(name):
    with pytest.raises(ValidationError) as exc:
        validate_name(name)
    assert exc.value.messages == ["姓名中的间隔号“·”只能用在两个部分之间。"]


def test_empty_name_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_name("   ")
    assert exc.value.messages == ["请填写姓名。"]
