import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tongxin.core.env import env_bool, env_int, local_secret, new_data_key, parse_data_key


def test_malformed_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("TONGXIN_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="TONGXIN_DEBUG"):
        env_bool("TONGXIN_DEBUG")


def test_malformed_number_fails_loudly(monkeypatch):
    monkeypatch.setenv("TONGXIN_IDLE_TIMEOUT_MINUTES", "fifteen")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("TONGXIN_IDLE_TIMEOUT_MINUTES", 15)


def test_data_key_must_be_32_bytes():
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        parse_data_key("c2hvcnQ=")
    assert len(parse_data_key(new_data_key())) == 32


def test_local_secret_is_generated_once_with_owner_only_permissions(tmp_path):
    first = local_secret(tmp_path, "data_key", new_data_key)
    again = local_secret(tmp_path, "data_key", new_data_key)
    assert first == again
    assert stat.S_IMODE(os.stat(tmp_path / "data_key").st_mode) == 0o600


def _run_settings(env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TONGXIN_VAR_DIR": str(tmp_path), **env_overrides}
    return subprocess.run(
        [sys.executable, "-m", "tongxin", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_malformed_database_url_stops_the_app(tmp_path):
    result = _run_settings({"DATABASE_URL": "mysql://root@localhost/x"}, tmp_path)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_malformed_data_key_stops_the_app(tmp_path):
    result = _run_settings({"TONGXIN_DATA_KEY": "not base64!"}, tmp_path)
    assert result.returncode != 0
    assert "TONGXIN_DATA_KEY" in result.stderr
