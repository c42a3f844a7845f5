"""The standard import template and tolerant readings of its values.

Departments write the same thing many ways (回族 / 回 / 03 / 3 / HU; 2024-05-01 / 20240501 /
2024/5/1 / an Excel serial). These functions turn a cell into the value the registry's
validation expects, or leave it as typed so validation explains what is wrong.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from tongxin.core.codes import ETHNIC_GROUPS
from tongxin.geo.divisions import find_by_name
from tongxin.registry.codes import Occupation, StayReason

from .readers import Formula, cell_text

# Standard template: header → field. Required headers must all be present (after mapping).
TEMPLATE_COLUMNS: list[tuple[str, str, bool]] = [
    ("姓名", "name", True),
    ("性别", "sex", True),
    ("民族", "ethnicity", True),
    ("公民身份号码", "id_number", True),
    ("出生日期", "birth_date", True),
    ("联系电话", "phone", True),
    ("户籍地址", "hukou_address", True),
    ("流出地", "origin", True),
    ("现居住地址", "address", True),
    ("网格编码", "grid", True),
    ("来本地日期", "arrival_date", True),
    ("流动原因", "reason", True),
    ("职业", "occupation", True),
    ("工作单位", "employer", True),
]
OPTIONAL_COLUMNS: list[tuple[str, str]] = [
    ("证件类型", "id_type"),
    ("曾用名", "former_names"),
    ("拉丁字母转写", "latin_name"),
]
FIELD_LABELS = {field: header for header, field, _r in TEMPLATE_COLUMNS} | {
    field: header for header, field in OPTIONAL_COLUMNS
}
REQUIRED_FIELDS = [field for _h, field, required in TEMPLATE_COLUMNS if required]
STANDARD_MAPPING = {header: field for field, header in FIELD_LABELS.items()}

EXCEL_EPOCH = date(1899, 12, 30)
FIRST_SERIAL, LAST_SERIAL = 3654, 80000  # Excel serials read as dates: 1910-01-01 … 2119-01-11
ARRIVAL_FIRST_SERIAL = 20000  # 1954-10-03


def _ethnicity_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name, letters in ETHNIC_GROUPS:
        table[code] = code
        table[str(int(code))] = code
        table[name] = code
        table[name.removesuffix("族")] = code
        table[letters] = code
        table[letters.lower()] = code
    table["崩龙族"] = table["崩龙"] = "46"  # the former name of 德昂族
    table["外国血统"] = "98"
    # A Korean community's ledger names the groups in Korean, as Yanbian writes them. Only
    # names that cannot be mistaken: 장족 is both 藏族 and 壮族, so neither is read; without
    # 족 only names of two syllables or more (만 alone is also "ten thousand").
    for code, names in KOREAN_ETHNICITIES.items():
        for name in names:
            table[name] = code
            if len(bare := name.removesuffix("족")) >= 2:
                table[bare] = code
    # A Uyghur or Tibetan ledger: the groups' names as those languages write them.
    for language in (UYGHUR_ETHNICITIES, TIBETAN_ETHNICITIES):
        for code, written in language.items():
            for name in written:
                table[name] = code
    return table


KOREAN_ETHNICITIES = {
    "01": ("한족",),
    "02": ("몽골족", "몽고족"),
    "03": ("회족",),
    "05": ("위구르족", "위글족"),
    "06": ("묘족",),
    "10": ("조선족",),
    "11": ("만족", "만주족"),
    "15": ("토가족",),
    "17": ("카자흐족", "까자흐족"),
}


UYGHUR_ETHNICITIES = {
    "01": ("خەنزۇ",),
    "02": ("موڭغۇل",),
    "03": ("خۇيزۇ",),
    "04": ("زاڭزۇ",),
    "05": ("ئۇيغۇر",),
    "11": ("مانجۇ",),
    "17": ("قازاق",),
    "26": ("دۇڭشياڭ",),
    "29": ("قىرغىز",),
    "35": ("سالار",),
    "38": ("شىبە",),
    "41": ("تاجىك",),
    "43": ("ئۆزبېك",),
    "44": ("رۇس",),
    "50": ("تاتار",),
}
TIBETAN_ETHNICITIES = {
    "01": ("རྒྱ་རིགས",),
    "02": ("སོག་རིགས", "སོག་པོ"),
    "03": ("ཧུའེ་རིགས",),
    "04": ("བོད་རིགས", "བོད་པ"),
    "05": ("ཡུ་གུར་རིགས",),
}


ETHNICITY = _ethnicity_lookup()
SEX = {"男": "1", "女": "2", "1": "1", "2": "2", "男性": "1", "女性": "2"}
SEX |= {"남": "1", "여": "2", "남자": "1", "여자": "2", "남성": "1", "여성": "2"}  # Korean
SEX |= {"ئەر": "1", "ئايال": "2"}  # Uyghur
SEX |= {"ཕོ": "1", "མོ": "2", "སྐྱེས་པ": "1", "བུད་མེད": "2"}  # Tibetan
REASONS = {label: value for value, label in StayReason.choices} | {v: v for v in StayReason.values}
REASONS |= {
    "打工": "work",
    "做生意": "business",
    "上学": "study",
    "投亲": "relatives",
    "看病": "medical",
}
OCCUPATIONS = {str(label): value for value, label in Occupation.choices} | {
    v: v for v in Occupation.values
}
ID_TYPES = {"居民身份证": "citizen_id", "身份证": "citizen_id", "护照": "passport"}


def tolerant_date(value, *, first_serial: int = FIRST_SERIAL) -> str | date:
    """Dates as typed, or from an Excel serial number (days since 1899-12-30) from
    `first_serial` on. Below 3654 (1910) lie the years themselves ("1985" is not a date),
    above 80000 (2119) the compact dates (20240315)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if text.isdigit() and len(text) <= 5 and first_serial <= int(text) <= LAST_SERIAL:
        return EXCEL_EPOCH + timedelta(days=int(text))
    if isinstance(value, float) and first_serial <= value <= LAST_SERIAL:
        return EXCEL_EPOCH + timedelta(days=int(value))
    return text


def tolerant_arrival_date(value) -> str | date:
    """An arrival as `tolerant_date`, serials from 1954 on: a mistyped "19853" (1985-3)
    is no arrival in 1954's past, and no birth date check against an ID catches it here."""
    return tolerant_date(value, first_serial=ARRIVAL_FIRST_SERIAL)


@lru_cache(maxsize=4096)
def origin_code(text: str) -> str:
    """流出地 as a 6-digit code or as a division's full name; unknown text is returned as is."""
    if len(text) == 6 and text.isdigit():
        return text
    return find_by_name(text) or text


# Written the way a keyboard or an older system may give it: Arabic presentation forms
# (NFKC makes them letters; Uyghur's ە among them comes out as Arabic's ه), the tatweel that
# stretches a word, marks of direction or joining, a Tibetan word's closing tsheg or shad
# (ཕོ་, མོ།).
_DROPPED = dict.fromkeys(map(ord, "\u0640\u200b\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069"))
_TIBETAN_ENDS = "\u0f0b\u0f0d\u0f0e "


def plain_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DROPPED).replace("\u0647", "\u06d5")
    return text.rstrip(_TIBETAN_ENDS)


def _looked_up(table: dict):
    def read(cell) -> str:
        text = cell_text(cell)
        found = table.get(text)
        if found is None and text:
            found = table.get(plain_text(text))  # only for what is not found as it is
        return text if found is None else found

    return read


def _origin(cell) -> str:
    text = cell_text(cell)
    return origin_code(text) if text else ""


def _id_type(cell) -> str:
    text = cell_text(cell)
    return ID_TYPES.get(text, text or "citizen_id")


# Import field → (the registry's key, how its cell is read). A column the file lacks is read
# as an empty cell, so validation names what is missing.
PERSON_CELLS: dict[str, tuple[str, Callable[[object], object]]] = {
    "name": ("name", cell_text),
    "sex": ("sex", _looked_up(SEX)),
    "ethnicity": ("ethnicity", _looked_up(ETHNICITY)),
    "id_type": ("id_type", _id_type),
    "id_number": ("id_number", cell_text),
    "birth_date": ("birth_date", tolerant_date),
    "phone": ("phone", cell_text),
    "hukou_address": ("hukou_address", cell_text),
    "origin": ("origin_code", _origin),
    "occupation": ("occupation", _looked_up(OCCUPATIONS)),
    "employer": ("employer", cell_text),
}
# Read only when the file has the column: an import must not blank what it does not carry.
OPTIONAL_PERSON_CELLS = ("former_names", "latin_name")
STAY_CELLS: dict[str, tuple[str, Callable[[object], object]]] = {
    "grid": ("grid", cell_text),
    "arrival_date": ("arrival_date", tolerant_arrival_date),
    "reason": ("reason", _looked_up(REASONS)),
    "address": ("address", cell_text),
}


def id_stored_as_number(cell) -> bool:
    """An ID Excel kept as a number that has lost digits. Excel keeps 15 significant
    digits: an 18-digit ID loses its last three, a 15-digit (first-generation) one is
    exact and is read as text — then upgraded like any other."""
    if not isinstance(cell, float | int) or isinstance(cell, bool):
        return False
    return not (float(cell).is_integer() and 10**14 <= cell < 10**15)


def normalise_row(raw: dict[str, object]) -> tuple[dict, dict, list[str]]:
    """Split a row (field → cell) into person data, stay data, and problems found here."""
    problems: list[str] = [
        str(
            _("%(field)s是公式（%(formula)s），请在 Excel 中将该列“粘贴为数值”后再导入。")
            % {"field": FIELD_LABELS.get(field, field), "formula": value[:60]}
        )
        for field, value in raw.items()
        if type(value) is Formula
    ]
    if id_stored_as_number(raw.get("id_number")):
        problems.append(
            str(
                _("公民身份号码被 Excel 存成了数字，后几位可能已丢失，请把该列设为文本后重新导出。")
            )
        )
    person = {key: read(raw.get(field)) for field, (key, read) in PERSON_CELLS.items()}
    for key in OPTIONAL_PERSON_CELLS:
        if key in raw:
            person[key] = cell_text(raw.get(key))
    stay = {key: read(raw.get(field)) for field, (key, read) in STAY_CELLS.items()}
    stay["source"] = "import"
    return person, stay, problems
