"""Real files for the import tests, written the way departments write them."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from ..registry.factories import GRID_A, GRID_B, citizen_id

HEADERS = "姓名 性别 民族 公民身份号码 出生日期 联系电话 户籍地址 流出地 现居住地址 网格编码 来本地日期 流动原因 职业 工作单位".split()


def person_row(n: int, **overrides) -> dict[str, object]:
    """A valid row; n picks a distinct ID number (region 652801 库尔勒市, 1980-1999)."""
    birth = date(1980 + n % 20, 1 + n % 12, 1 + n % 28)
    row: dict[str, object] = {
        "姓名": f"艾力·{'买买提' if n % 2 else '吐尔逊'}{'甲乙丙丁戊己庚辛壬癸'[n % 10]}",
        "性别": "男",
        "民族": "维吾尔族",
        "公民身份号码": citizen_id("652801", birth, (n // 20) % 499 * 2 + 1),
        "出生日期": birth.isoformat(),
        "联系电话": f"139{n:08d}",
        "户籍地址": "新疆库尔勒市",
        "流出地": "652801",
        "现居住地址": "新华社区3号院",
        "网格编码": GRID_A if n % 2 else GRID_B,
        "来本地日期": "2024-03-15",
        "流动原因": "经商",
        "职业": "4",
        "工作单位": "清真拉面馆",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path, rows: list[dict[str, object]], *, encoding: str = "utf-8-sig", headers=HEADERS
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict[str, object]], headers=HEADERS) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return path


def rewritten(path: Path, target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the workbook with one of its XML parts changed (what openpyxl will not
    write: a formula's shown value, another writer's namespaces, a name Excel refuses)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            copy.writestr(item, change(data) if item.filename == part else data)
    return target


__all__ = ["GRID_A", "GRID_B", "HEADERS", "person_row", "rewritten", "write_csv", "write_xlsx"]
