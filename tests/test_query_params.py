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
