import re

from playwright.sync_api import expect

PASSWORD = "Tongxin@2026demo"


def test_street_officer_logs_in_switches_to_english_and_logs_out(page, demo_live):
    page.goto(demo_live.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("用户名").fill("street_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator("#sidebar")).to_contain_text("北下街街道")
    expect(
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="人员信息")
    ).to_be_visible()

    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    assert page.console_errors == []
    assert page.external_requests == []


def test_shell_works_on_a_360px_phone(page, demo_live):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(demo_live.url + "/accounts/login/")
    page.get_by_label("用户名").fill("grid_worker_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    # The sidebar folds into a menu button; it opens with the keyboard.
    menu = page.get_by_role("button", name="菜单")
    menu.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#sidebar").get_by_role("link", name="人员信息")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert page.console_errors == []
