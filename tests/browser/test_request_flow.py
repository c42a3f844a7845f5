"""A request from the window to the police department and back to closed, receipt printed."""

import re

from playwright.sync_api import expect

PASSWORD = "Tongxin@2026demo"


def login(page, base, username):
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def logout(page):
    page.locator("#logout").click()


def act(page, code, **fields):
    form = page.locator(f"#action-{code}")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.get_by_role("button").click()


def test_window_intake_referral_resolution_follow_up_and_receipt(page, demo_live, tmp_path):
    base = demo_live.url
    login(page, base, "street_officer")
    page.goto(base + "/services/requests/new/")
    page.get_by_label("诉求类别").select_option(label="就业服务")
    page.get_by_label("诉求人姓名").fill("麦麦提·吐尔逊")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("诉求内容").fill("刚到郑州，想找一份清真餐馆的工作。")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("#request-status")).to_have_text("已登记")
    number = re.search(r"SQ\d+", page.locator("h1").inner_text()).group(0)

    receipt = page.context.new_page()
    receipt.goto(base + page.locator("#print-receipt").get_attribute("href"))
    expect(receipt.locator("#receipt-number")).to_have_text(number)
    pdf = receipt.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    receipt.close()

    act(page, "accept")
    expect(page.locator("#request-status")).to_have_text("已受理")
    act(page, "refer", department="410100-police")
    expect(page.locator("#request-status")).to_have_text("已转办")
    detail_url = page.url
    logout(page)

    login(page, base, "police_liaison")
    expect(page.locator("#unread-count")).to_have_text("1")
    page.goto(detail_url)
    act(page, "start")
    expect(page.locator("#request-status")).to_have_text("办理中")
    act(page, "resolve", result="已推荐到管城区某清真餐馆面试。")
    expect(page.locator("#request-status")).to_have_text("已办结")
    logout(page)

    login(page, base, "street_officer")
    page.goto(detail_url)
    act(page, "follow_up", satisfaction="5", note="很满意")
    expect(page.locator("#request-status")).to_have_text("已回访")
    act(page, "close")
    expect(page.locator("#request-status")).to_have_text("已关闭")
    expect(page.locator("#request-events")).to_contain_text("办结")
    assert page.console_errors == []
    assert page.external_requests == []
