"""Every filter of every list in the API, given values no client should send, answers with
a result or a 400 that says what is wrong, never a server error. The filters are read from
the API's own schema, so a filter added later is swept too."""

import pytest
from drf_spectacular.generators import SchemaGenerator

ODD_VALUES = [
    "",
    "x",
    "-1",
    "0",
    "1e9",
    "99999999999999999999",
    "2026-13-40",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "10000-01-01",
    "%_'\"\\",
    "中文",
    "9" * 5000,
]
USERS = ["city_admin", "district_officer", "auditor"]  # the first that may read each list
BASE = {"/api/v1/reports/stats/": {"unit": "410104", "period": "2026-10"}}  # required ones


def list_endpoints() -> list[tuple[str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"])
        for path, ops in schema["paths"].items()
        if "get" in ops and "{" not in path and not path.endswith(("/schema/", "/docs/"))
    ]


def test_the_sweep_reads_the_lists_and_their_filters():
    endpoints = dict(list_endpoints())
    assert len(endpoints) >= 14
    assert {"q", "ethnicity", "arrival_from", "cursor"} <= set(endpoints["/api/v1/persons/"])


@pytest.mark.django_db
def test_odd_filter_values_never_make_a_server_error(client):
    from rest_framework.authtoken.models import Token

    from tongxin.accounts.models import User

    tokens = {
        u: f"Token {Token.objects.get_or_create(user=User.objects.get(username=u))[0].key}"
        for u in USERS
    }
    client.raise_request_exception = False  # every failure listed, not the first raised
    failures = []
    for path, params in list_endpoints():
        base = BASE.get(path, {})
        readers = [
            u
            for u in USERS
            if client.get(path, base, HTTP_AUTHORIZATION=tokens[u]).status_code == 200
        ]
        assert readers, f"no demo user may read {path}"
        for name in params:
            for value in ODD_VALUES:
                response = client.get(
                    path, {**base, name: value}, HTTP_AUTHORIZATION=tokens[readers[0]]
                )
                if response.status_code >= 500 or response.status_code not in (200, 400, 404):
                    failures.append((path, name, value[:20], response.status_code))
                elif response.status_code == 400:
                    assert response.json(), (path, name, value[:20])  # says what is wrong
    assert failures == [], "\n".join(map(str, failures))
