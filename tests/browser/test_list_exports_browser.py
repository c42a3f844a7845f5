"""The export of a list in a real browser: the unmasked file asks for a purpose before it
downloads, and the file says who exported it, when and why."""

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from .test_request_flow import login


def test_housing_and_households_from_the_sidebar_and_an_unmasked_export(page, demo_live):
    base = demo_live.url
    login(page, base, "street_officer")
    menu = page.get_by_role("navigation", name="主菜单")
    menu.get_by_role("link", name="家庭户").click()
    expect(page.get_by_role("heading", name="家庭户")).to_be_visible()
    expect(page.locator("#household-table tbody tr").first).to_be_visible()
    menu.get_by_role("link", name="房屋信息").click()
    expect(page.get_by_role("heading", name="房屋信息")).to_be_visible()

    page.locator(".export-full summary").click()
    form = page.locator(".export-full form")
    purpose = form.locator("[name=purpose]")
    form.get_by_role("button", name="Excel").click()  # no purpose: the browser stops it
    assert purpose.evaluate("el => el.validity.valueMissing")
    purpose.fill("租期到期提醒")
    with page.expect_download() as info:
        form.get_by_role("button", name="Excel").click()
    download = info.value
    assert download.suggested_filename.startswith("房屋信息-")
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert "street_officer" in rows[0][0] and "租期到期提醒" in rows[0][0]
    assert "含完整个人信息" in rows[0][0] and rows[1][5] == "房东电话" and len(rows) > 2
    assert page.console_errors == [] and page.external_requests == []
