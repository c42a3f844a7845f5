"""The downloadable import template: the standard headers and drop-down lists for coded
columns, so officers pick valid values instead of typing them."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tongxin.core.codes import ETHNIC_GROUPS
from tongxin.registry.codes import Occupation, StayReason

from .columns import TEMPLATE_COLUMNS

ROWS = 5000


def template_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员信息"
    lists = workbook.create_sheet("代码表")
    headers = [h for h, _f, _r in TEMPLATE_COLUMNS]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    choices = {
        "性别": ["男", "女"],
        "民族": [name for _c, name, _l in ETHNIC_GROUPS],
        "流动原因": [str(label) for _v, label in StayReason.choices],
        "职业": [str(label) for _v, label in Occupation.choices],
    }
    for column, (header, values) in enumerate(choices.items(), start=1):
        letter = chr(ord("A") + column - 1)
        lists.cell(row=1, column=column, value=header)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=column, value=value)
        target = chr(ord("A") + headers.index(header))
        validation = DataValidation(
            type="list",
            formula1=f"=代码表!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="无效的值",
            error=f"请从列表中选择{header}。",
        )
        validation.add(f"{target}2:{target}{ROWS}")
        sheet.add_data_validation(validation)
    # Identity numbers and codes must stay text, or Excel drops digits: the whole column is
    # formatted as text, as Excel does for a selected column, so every row typed is.
    for header in ("公民身份号码", "联系电话", "流出地", "网格编码"):
        letter = chr(ord("A") + headers.index(header))
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = 22
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
