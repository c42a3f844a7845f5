"""Query parameters no page can use are refused with a message, never an error page."""

import pytest
from django.urls import reverse

from .conftest import login_as


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "route"),
    [
        ("sysadmin", "accounts:user_list"),
        ("sysadmin", "accounts:user_export"),
        ("community_officer", "registry:person_list"),
        ("community_officer", "registry:housing_list"),
        ("community_officer", "disputes:dispute_list"),
    ],
)
def test_a_nul_character_in_a_search_is_refused_with_a_message(client, username, route):
    # PostgreSQL cannot compare a string holding NUL: the search ended in an error page.
    login_as(client, username)
    response = client.get(reverse(route), {"q": "马\x00明"})
    assert response.status_code == 400
    assert response.content.decode() == "请求参数含有无效字符。"
    assert client.get(reverse(route), {"q": "马明"}).status_code == 200


ODD_PERIODS = ["²", "0", "0000-00", "0001-01", "9999-12", "10000-01", "2026-13", "2026-Q9"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", [*ODD_PERIODS, "9" * 5000])
def test_a_month_or_period_no_calendar_holds_is_not_an_error_page(client, value):
    # 9999-12 and 0001-01 parsed, then the month after or before them crashed the page.
    login_as(client, "district_officer")
    for route, params in [
        ("disputes:dispute_list", {"month": value}),
        ("disputes:screening_list", {"month": value}),
        ("disputes:statistics", {"from": value, "to": value}),
        ("reports:index", {"period": value}),
        ("analytics:dashboard", {"period": value}),
    ]:
        status = client.get(reverse(route), params).status_code
        assert status in (200, 404), (route, value, status)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_the_audit_log_says_a_date_no_filter_can_hold_is_out_of_range(client, value):
    # 0001-01-01 at midnight in the city is before the first UTC moment: an error page.
    login_as(client, "auditor")
    response = client.get(reverse("audit:events"), {"date_from": value, "date_to": value})
    assert response.status_code == 200
    assert "年份须在 1900 至 2999 之间。" in response.content.decode()
    export = client.get(reverse("audit:export"), {"date_from": value, "format": "csv"})
    assert (export.status_code, export.content.decode()) == (400, "年份须在 1900 至 2999 之间。")
