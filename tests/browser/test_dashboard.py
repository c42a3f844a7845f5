"""The leaders' dashboard in a real browser: every chart drawn (a canvas each), nothing
fetched from another host, no console errors; a click on the ethnicity chart opens the
person list filtered by that group, and a click on a child unit drills down."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.test_screening_flow import login

CHARTS = [
    "ethnicity",
    "pyramid",
    "origins",
    "sankey",
    "monthly",
    "distribution",
    "housing",
    "reasons",
    "requests",
    "on_time",
    "disputes_kind",
    "disputes_month",
]


def bar_centre(page, chart: str, index: int) -> tuple[float, float]:
    """Where the index-th bar of a chart's first series is drawn, in page coordinates."""
    node = page.locator(f'[data-chart="{chart}"]')
    node.scroll_into_view_if_needed()
    box = node.bounding_box()
    x, y = page.evaluate(
        """([chart, index]) => {
            const node = document.querySelector(`[data-chart="${chart}"]`);
            const c = echarts.getInstanceByDom(node);
            const option = c.getOption();
            const value = option.series[0].data[index].value;
            const across = option.yAxis[0].type === "category";  // horizontal bars
            const end = c.convertToPixel({seriesIndex: 0}, across ? [value, index] : [index, value]);
            const start = c.convertToPixel({seriesIndex: 0}, across ? [0, index] : [index, 0]);
            return [(end[0] + start[0]) / 2, (end[1] + start[1]) / 2];
        }""",
        [chart, index],
    )
    return box["x"] + x, box["y"] + y


def test_dashboard_draws_every_chart_and_opens_the_lists_behind_them(page, demo_live):
    base = demo_live.url
    login(page, base, "street_officer")
    page.goto(base + "/analytics/")
    expect(page.locator("#dashboard-unit")).to_have_text("北下街街道")
    for chart in CHARTS:
        node = page.locator(f'[data-chart="{chart}"]')
        expect(node).to_have_attribute("data-ready", "1")
        expect(node.locator("canvas")).to_have_count(1)
    # The figures are readable as tables too: the ethnicity table's first row is the biggest.
    first = page.locator("#table-ethnicity tbody tr").first
    group = first.locator("th").text_content().strip()
    count = int(first.locator("td").text_content())
    assert count > 0
    assert page.console_errors == []
    assert page.external_requests == []

    page.mouse.click(*bar_centre(page, "ethnicity", 0))
    page.wait_for_url(re.compile(r"/registry/persons/"))
    query = parse_qs(urlparse(page.url).query)
    assert query["unit"] == ["410104001"] and query["present"] == ["1"]
    expect(page.locator("#id_ethnicity")).to_have_value(query["ethnicity"][0])
    expect(page.locator("#id_ethnicity option:checked")).to_have_text(group)
    rows = page.locator("#person-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == min(count, 50)

    # A bar of the distribution chart is a child unit: its own dashboard opens.
    page.go_back()
    expect(page.locator('[data-chart="distribution"]')).to_have_attribute("data-ready", "1")
    child = page.locator("#table-distribution tbody tr").first.locator("th").text_content().strip()
    page.mouse.click(*bar_centre(page, "distribution", 0))
    expect(page.locator("#dashboard-unit")).to_have_text(child)
    assert page.console_errors == []
