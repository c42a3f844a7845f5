import os
import subprocess
import sys

import pytest

SCRIPT = """
import django, os
django.setup()
from django.test import Client
r = Client(HTTP_HOST='127.0.0.1').get('/healthz')
print(r.status_code, r.content.decode())
"""


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_down(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tongxin.settings",
        "TONGXIN_VAR_DIR": str(tmp_path),
        # Nothing listens on port 1: the database is unreachable.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.startswith("503"), result.stderr
    assert '"database": "unavailable"' in result.stdout
