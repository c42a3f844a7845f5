"""What an exported person list holds, shared by the CSV and XLSX exports."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongxin.accounts.roles import Cap
from tongxin.core.codes import ETHNICITY_NAMES

EXPORT_COLUMNS = [
    ("姓名", lambda p, full: p.name),
    ("性别", lambda p, full: p.get_sex_display()),
    ("出生日期", lambda p, full: p.birth_date.isoformat()),
    ("民族", lambda p, full: ETHNICITY_NAMES.get(p.ethnicity, "")),
    ("证件号码", lambda p, full: p.id_number if full else p.id_number_masked),
    ("手机号码", lambda p, full: p.phone if full else p.phone_masked),
    ("流出地", lambda p, full: p.origin_code),
    ("网格", lambda p, full: p.unit_path),
    ("来本地日期", lambda p, full: p.arrival_date.isoformat() if p.arrival_date else ""),
    ("流动原因", lambda p, full: p.get_stay_reason_display()),
    ("状态", lambda p, full: "在本地" if p.present else "已离开"),
]


def neutralise(value: str) -> str:
    """Cells that a spreadsheet would read as a formula are prefixed with a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_allowed(user, *, full: bool, purpose: str) -> str:
    """'' if the export may go ahead, else why not (unmasked needs the right and a purpose)."""
    if full and (not user.can(Cap.PERSON_FULL_ID) or len(purpose.strip()) < 2):
        return _("导出完整证件号码须具备相应权限并说明用途。")
    return ""
