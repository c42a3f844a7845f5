"""A grid worker records a household on a phone, fixes a mistake the page points out as
they type, saves, and finds the new person by pinyin initials."""

import re
from datetime import date

from playwright.sync_api import expect

PASSWORD = "Tongxin@2026demo"


def _citizen_id(region: str, birth: date, sequence: int) -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def test_grid_worker_completes_a_household_visit_on_a_phone(page, demo_live):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(demo_live.url + "/accounts/login/")
    page.get_by_label("用户名").fill("grid_worker_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.goto(demo_live.url + "/registry/visits/")
    page.get_by_role("button", name="新建入户调查").click()
    expect(page.get_by_role("heading", name=re.compile("入户调查"))).to_be_visible()

    housing = page.locator("#housing")
    housing.get_by_role("textbox", name="房屋地址", exact=True).fill("新华社区12号院3号楼502室")
    housing.get_by_role("combobox", name="房屋类别", exact=True).select_option(label="租赁房屋")
    housing.get_by_role("textbox", name="房东（产权人）", exact=True).fill("王伟")
    housing.get_by_role("button", name="保存房屋信息").click()
    expect(page.locator("#housing")).to_contain_text("已保存")

    birth = date(1986, 7, 15)
    good_id = _citizen_id("650102", birth, 351)
    wrong_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    member = page.locator("#member-form")
    member.get_by_role("textbox", name="姓名", exact=True).fill("麦麦提·吐尔逊")
    member.get_by_role("combobox", name="与户主关系", exact=True).select_option(label="户主")
    member.get_by_role("combobox", name="性别", exact=True).select_option(label="男")
    member.get_by_role("combobox", name="民族", exact=True).select_option(label="维吾尔族")
    member.get_by_role("textbox", name="证件号码", exact=True).fill(wrong_id)
    member.get_by_role("textbox", name="证件号码", exact=True).press("Tab")
    errors = page.locator("#id_m-id_number_errors")
    expect(errors).to_contain_text("校验位不正确")

    member.get_by_role("textbox", name="证件号码", exact=True).fill(good_id)
    member.get_by_role("textbox", name="证件号码", exact=True).press("Tab")
    expect(errors).to_be_empty()
    member.get_by_label("出生日期").fill(birth.isoformat())
    member.get_by_label("来本地日期").fill("2025-03-01")
    member.get_by_role("combobox", name="流动原因", exact=True).select_option(label="务工")
    member.get_by_role("button", name="添加此成员").click()
    expect(page.locator("#member-list")).to_contain_text("麦麦提·吐尔逊")

    page.get_by_role("button", name="保存入户调查").click()
    expect(page.locator("#person-name")).to_have_text("麦麦提·吐尔逊")
    expect(page.locator("#stay-timeline")).to_contain_text("新华社区12号院3号楼502室")

    page.goto(demo_live.url + "/registry/persons/")
    page.get_by_role("searchbox").fill("mmttex")
    page.get_by_role("searchbox").press("Enter")
    expect(page.locator("#person-table")).to_contain_text("麦麦提·吐尔逊")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert page.console_errors == []
    assert page.external_requests == []
