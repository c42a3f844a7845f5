"""Validators for national identifiers and names. Messages are in Chinese, for the field."""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MIDDLE_DOT = "\u00b7"
# The years any date the system takes or filters by may fall in: around 0001 and 9999 a day,
# a month or the time zone's offset away is beyond Python's dates (pages crashed on them),
# and nobody living was born, arrived or met before 1900.
CALENDAR_YEARS = range(1900, 3000)
# Lookalikes of the middle dot typed by input methods and OCR (民委发〔2016〕33号).
DOT_LOOKALIKES = "\u2022\u30fb\uff0e\u2027\u22c5\u00b7\u2219\u16eb\u318d\uff65"
CJK = r"\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_SPACES_RE = re.compile(r"\s+")
_LOOKALIKE_RE = re.compile(f"[{DOT_LOOKALIKES}]")
_CJK_SEPARATOR_RE = re.compile(rf"(?<=[{CJK}])\s*[.\-－—]\s*(?=[{CJK}])")
_DOT_SPACES_RE = re.compile(rf"\s*{MIDDLE_DOT}\s*")
_DOUBLE_SEPARATOR_RE = re.compile(f"[{re.escape(MIDDLE_DOT + '.-')}]{{2}}")
_DIGIT_RE = re.compile(r"\d")
_CITIZEN_ID_RE = re.compile(r"\d{17}[\dX]")
_WHITESPACE_RE = re.compile(r"\s")
_PHONE_JUNK_RE = re.compile(r"[\s\-]")


_today_cache: tuple[float, date] = (0.0, date.min)


def today() -> date:
    """Today's date in the project time zone, recomputed at most once a second (validation of
    a million imported rows asks for it millions of times)."""
    global _today_cache
    now = time.monotonic()
    if now - _today_cache[0] > 1.0:
        _today_cache = (now, timezone.localdate())
    return _today_cache[1]


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def upgrade_legacy_id(number: str) -> str:
    """15-digit (GB 11643-1989) → 18-digit: insert 19 after the region code, add the check."""
    body = number[:6] + "19" + number[6:]
    return body + id_check_char(body)


def normalise_citizen_id(raw: str) -> str:
    """Strip spaces, upper-case the X, upgrade 15-digit numbers. Validation is separate."""
    number = _WHITESPACE_RE.sub("", raw or "").upper()
    if len(number) == 15 and number.isdigit():
        return upgrade_legacy_id(number)
    return number


def citizen_id_info(number: str) -> tuple[date, str]:
    """Validate an 18-character citizen ID and return (birth date, sex code '1'/'2')."""
    if not _CITIZEN_ID_RE.fullmatch(number):
        raise ValidationError(
            _("公民身份号码应为 18 位（最后一位可为 X），或 15 位旧号码。"), code="format"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("公民身份号码中的出生日期 %(d)s 不是真实日期。") % {"d": number[6:14]}, code="date"
        ) from None
    if birth.year < 1800 or birth > today():
        raise ValidationError(
            _("公民身份号码中的出生日期 %(d)s 不合理。") % {"d": number[6:14]}, code="date"
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("公民身份号码校验位不正确，请核对每一位数字。"), code="checksum")
    sex = "1" if int(number[16]) % 2 else "2"
    return birth, sex


def citizen_id_facts(number: str) -> tuple[date, str]:
    """Birth date and sex of an already validated 18-character number."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14])), (
        "1" if int(number[16]) % 2 else "2"
    )


def validate_citizen_id(raw: str) -> str:
    number = normalise_citizen_id(raw)
    compact = _WHITESPACE_RE.sub("", raw or "")
    if len(compact) == 15 and compact[12:15] in {"996", "997", "998", "999"}:
        raise ValidationError(
            _("15 位号码顺序码为 996–999（百岁老人），升级有歧义，请人工核对 18 位号码。"),
            code="centenarian",
        )
    citizen_id_info(number)
    return number


DOCUMENT_PATTERNS = {
    # Passports: ordinary E + 8 characters, older G/D/S/P + 8 digits; foreign ones vary.
    "passport": (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号码应为 5–17 位字母或数字。"),
    "hk_macao": (
        re.compile(r"^(H|M)\d{8,10}$|^8[12]0000\d{11}[\dX]$"),
        "港澳居民证件号码应为 H/M 加 8–10 位数字，或 810000/820000 开头的 18 位居住证号码。",
    ),
    "taiwan": (
        re.compile(r"^\d{8}$|^830000\d{11}[\dX]$"),
        "台湾居民证件号码应为 8 位数字，或 830000 开头的 18 位居住证号码。",
    ),
    "foreigner": (
        re.compile(r"^[A-Z]{3}\d{12}$|^9\d{16}[\dX]$"),
        "外国人永久居留身份证号码应为 3 位字母加 12 位数字（旧版）或 9 开头的 18 位号码。",
    ),
}


def validate_document(id_type: str, raw: str) -> str:
    """Validate and normalise a document number of the given type."""
    if not raw or not raw.strip():
        raise ValidationError(_("请填写证件号码。"), code="required")
    if id_type == "citizen_id":
        return validate_citizen_id(raw)
    if id_type not in DOCUMENT_PATTERNS:
        raise ValidationError(_("证件类型不正确。"), code="type")
    number = _WHITESPACE_RE.sub("", raw).upper()
    pattern, message = DOCUMENT_PATTERNS[id_type]
    if not pattern.match(number):
        raise ValidationError(_(message), code="format")
    if len(number) == 18 and number[:17].isdigit() and id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("证件号码校验位不正确，请核对每一位数字。"), code="checksum")
    return number


@lru_cache(maxsize=65536)
def normalise_name(raw: str) -> str:
    """Apply the 2016 name rule: NFC, trimmed, lookalike dots (and . or - between Chinese
    parts) become "·", no spaces around the dot. (Cached: imports repeat common names.)"""
    name = unicodedata.normalize("NFC", raw or "").strip()
    name = _SPACES_RE.sub(" ", name)
    name = _LOOKALIKE_RE.sub(MIDDLE_DOT, name)
    name = _CJK_SEPARATOR_RE.sub(MIDDLE_DOT, name)
    name = _DOT_SPACES_RE.sub(MIDDLE_DOT, name)
    return name


@lru_cache(maxsize=65536)
def validate_name(raw: str) -> str:
    """The normalised name, or ValidationError (failures are not cached: their message
    follows the active language)."""
    name = normalise_name(raw)
    if not name:
        raise ValidationError(_("请填写姓名。"), code="required")
    if len(name) > 300:
        raise ValidationError(_("姓名不能超过 300 个字符。"), code="length")
    separators = MIDDLE_DOT + ".-"
    if name[0] in separators or name[-1] in separators or _DOUBLE_SEPARATOR_RE.search(name):
        raise ValidationError(_("姓名中的间隔号“·”只能用在两个部分之间。"), code="dot")
    try:
        name.encode("gb18030")
    except UnicodeEncodeError:
        raise ValidationError(_("姓名含有国家标准 GB 18030 以外的字符。"), code="charset") from None
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValidationError(_("姓名含有不可见的控制字符。"), code="control")
    if _DIGIT_RE.search(name):
        raise ValidationError(_("姓名不能包含数字。"), code="digits")
    # Letters of any script, combining marks, spaces and the middle dot; nothing else.
    odd = [c for c in name if c not in " ·" and unicodedata.category(c)[0] not in "LM"]
    if odd:
        raise ValidationError(
            _("姓名含有不允许的符号：%(chars)s") % {"chars": " ".join(dict.fromkeys(odd))},
            code="symbol",
        )
    return name


def validate_mobile(raw: str) -> str:
    phone = _PHONE_JUNK_RE.sub("", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE_RE.match(phone):
        raise ValidationError(_("请填写 11 位大陆手机号码（1 开头）。"), code="mobile")
    return phone


# A fixed line with its area code (0371-12345678), or a 400/800 service number: a caller
# at a window or on the hotline may have no mobile.
LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")
SERVICE_NUMBER_RE = re.compile(r"^[48]00\d{7}$")


def validate_callback_phone(raw: str) -> str:
    """A number to call a requester back on: a mobile, a fixed line with its area code or a
    400/800 number; digits only."""
    phone = _PHONE_JUNK_RE.sub("", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone) or SERVICE_NUMBER_RE.match(phone):
        return phone
    raise ValidationError(
        _("请填写手机号码（11 位，1 开头）或带区号的固定电话（如 0371-12345678）。"),
        code="phone",
    )


def validate_calendar_year(value: date) -> None:
    """A date within CALENDAR_YEARS: 0001-01-01 at midnight in the city is before the first
    UTC moment Python holds, 9999-12-31 has no day after it."""
    if value is not None and value.year not in CALENDAR_YEARS:
        raise ValidationError(
            _("年份须在 %(first)d 至 %(last)d 之间。")
            % {"first": CALENDAR_YEARS.start, "last": CALENDAR_YEARS.stop - 1},
            code="year",
        )


def validate_not_future(value: date, label: str | Promise) -> None:
    if value and value > today():
        raise ValidationError(_("%(label)s不能晚于今天。") % {"label": label}, code="future")
