"""Monthly screening on a phone: one community files a zero report, another registers a
dispute and files it; the street sees both reports and a community that has not filed."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import user_create
from tongxin.disputes.services import report_deadline
from tongxin.geo.models import Unit

PASSWORD = "Tongxin@2026demo"
PHONE = {"width": 360, "height": 760}


def login(page, base, username):
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def logout(page):
    page.locator("#logout").click()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_two_communities_file_and_the_street_sees_who_is_missing(page, demo_live):
    base = demo_live.url
    user_create(
        actor=None,
        username="beixiajie_officer",
        password=PASSWORD,
        unit=Unit.objects.get(code="410104001002"),  # 北下街社区
        roles={Role.COMMUNITY_OFFICER},
        data_scope=DataScope.SUBTREE,
        full_name="北下街社区专干",
        validate=False,
    )
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    month = f"{last_month:%Y-%m}"
    page.set_viewport_size(PHONE)

    # 新华社区: nothing found last month — a zero report.
    login(page, base, "community_officer")
    page.goto(base + "/disputes/screening/new/")
    expect(page.get_by_label("月份")).to_have_value(month)
    expect(page.get_by_label("社区")).to_have_value("410104001001")
    page.get_by_label("本月排查未发现矛盾纠纷（零报告）").check()
    page.get_by_label("走访排查（户次）").fill("36")
    assert fits_the_phone(page)
    page.get_by_role("button", name="提交报告").click()
    expect(page.locator("#report-result")).to_have_text("零报告（本月排查未发现矛盾纠纷）")
    logout(page)

    # 北下街社区: one dispute registered, then the month's report.
    login(page, base, "beixiajie_officer")
    page.goto(base + "/disputes/new/")
    day = last_month.replace(day=15).isoformat()
    page.get_by_label("纠纷类别").select_option(label="房屋租赁纠纷")
    page.get_by_label("发生地点").fill("北下街社区 12 号院")
    page.get_by_label("发生日期").fill(day)
    page.get_by_label("发现日期").fill(day)
    page.get_by_label("事实经过").fill("租户退租时房东扣留押金三千元。")
    page.locator("[name=p1-name]").fill("马某")
    page.locator("[name=p2-name]").fill("王某")
    assert fits_the_phone(page)
    page.get_by_role("button", name="登记").click()
    expect(page.locator("#dispute-status")).to_have_text("待调解")
    number = re.search(r"JF\d{10}", page.locator("h1").inner_text()).group(0)
    page.goto(base + "/disputes/screening/new/")
    expect(page.locator("#recent-months")).to_contain_text("已登记 1 件")
    page.get_by_role("button", name="提交报告").click()
    expect(page.locator("#report-result")).to_have_text("发现矛盾纠纷 1 件")
    expect(page.locator("#report-disputes")).to_contain_text(number)
    logout(page)

    # The street: both reports, and the communities that have not filed.
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, base, "street_officer")
    page.goto(f"{base}/disputes/screening/?month={month}")
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#report-table")).to_contain_text("新华社区居委会")
    expect(page.locator("#report-table")).to_contain_text("北下街社区居委会")
    page.goto(base + "/disputes/screening/calendar/")
    # Filed today: after the deadline (the fifth working day) the cells say so.
    late = timezone.localdate() > report_deadline(last_month.replace(day=1))
    state = "late" if late else "complete"
    suffix = "逾期" if late else ""
    for code, text in (("410104001001", "零报告"), ("410104001002", "1 件")):
        cell = page.locator(f"#cell-{code}-{month}")
        expect(cell).to_have_text(text + suffix)
        expect(cell).to_have_attribute("data-state", state)
    # 管城街社区 has not filed: missed (缺报) once past the deadline, else not yet (未报).
    expect(page.locator(f"#cell-410104001003-{month}")).to_have_text("缺报" if late else "未报")
    expect(page.locator(f"#total-{month}")).to_contain_text("2 / 7")
    # Three months ago 代书胡同社区 missed its report (demo data): past its deadline, in red.
    earlier = (last_month.replace(day=1) - timedelta(days=1)).replace(day=1)
    earlier = (earlier - timedelta(days=1)).replace(day=1)
    missing = page.locator(f"#cell-410104001004-{earlier:%Y-%m}")
    expect(missing).to_have_text("缺报")
    expect(missing).to_have_attribute("data-state", "missing")
    assert page.console_errors == []
    assert page.external_requests == []
