"""The import of a department's file in a real browser: the police platform's export in GBK
with its own headers, the columns mapped once, the result and the report of rejected rows;
the same file again changes nothing and needs no mapping."""

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from ..exchange.files import HEADERS, person_row, write_csv
from .test_request_flow import login

# The police platform names two columns its own way.
POLICE_HEADERS = [{"公民身份号码": "身份证号", "现居住地址": "暂住地址"}.get(h, h) for h in HEADERS]


def police_file(tmp_path):
    rows = [person_row(n) for n in (1, 3, 5)]
    rows.append(person_row(7, 民族="火星族"))
    rows.append(dict(rows[0], 姓名="重复的人"))  # the first row's document number again
    for row in rows:
        row["身份证号"], row["暂住地址"] = row.pop("公民身份号码"), row.pop("现居住地址")
    return write_csv(tmp_path / "公安导出.csv", rows, encoding="gbk", headers=POLICE_HEADERS)


def upload(page, path):
    page.get_by_label("文件（CSV 或 Excel .xlsx）").set_input_files(path)
    page.get_by_label("数据来源").fill("公安流动人口平台")
    page.get_by_role("button", name="上传并核对列").click()
    expect(page.get_by_role("heading", name="核对列对应关系：公安导出.csv")).to_be_visible()


def test_police_export_mapped_once_imported_and_its_rejected_rows_explained(
    page, demo_live, tmp_path
):
    base = demo_live.url
    path = police_file(tmp_path)
    login(page, base, "community_officer")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="批量导入").click()
    upload(page, path)
    # The standard headers are matched; the police platform's own two are not, until chosen.
    expect(page.get_by_label("姓名", exact=True)).to_have_value("name")
    id_column, address_column = page.get_by_label("身份证号"), page.get_by_label("暂住地址")
    expect(id_column).to_have_value("")
    id_column.select_option(label="公民身份号码")
    address_column.select_option(label="现居住地址")
    page.get_by_role("button", name="开始导入").click()

    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator("#count-created")).to_have_text("3")
    expect(page.locator("#count-rejected")).to_have_text("2")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    with page.expect_download() as info:
        page.locator("#error-report").click()
    sheet = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()), read_only=True).active
    reasons = {row[0]: row[1] for row in list(sheet.iter_rows(values_only=True))[1:]}
    assert "民族" in reasons[5]  # file rows count the header as row 1
    assert reasons[6] == "证件号码与第 2 行重复。"

    # The same file again: the mapping is remembered, nothing changes.
    page.get_by_role("link", name="返回").click()
    upload(page, path)
    expect(page.get_by_label("身份证号")).to_have_value("id_number")
    page.get_by_role("button", name="开始导入").click()
    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator("#count-unchanged")).to_have_text("3")
    expect(page.locator("#count-created")).to_have_text("0")
    expect(page.locator("#count-updated")).to_have_text("0")
    assert page.console_errors == [] and page.external_requests == []
