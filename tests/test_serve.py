"""`tongxin serve` starts gunicorn and the task worker and answers on the given port."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shell(env, code: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "tongxin", "shell", "--no-imports", "-c", code],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout


def test_serve_answers_healthz_and_stops_cleanly(tmp_path):
    """…and an import its worker was running when the service went down (a power cut) is
    marked failed as it starts, so the officer can resume it; one from the command line is
    left to its command."""
    env = {
        **os.environ,
        "TONGXIN_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/t.sqlite3",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "tongxin", "migrate", "-v0"], env=env, check=True, timeout=120
    )
    _shell(
        env,
        "from tongxin.accounts.models import User\n"
        "from tongxin.exchange.models import ImportJob\n"
        "officer = User.objects.create(username='officer')\n"
        "for user, name in ((officer, 'web.csv'), (None, 'cli.csv')):\n"
        "    ImportJob.objects.create(user=user, source='s', filename=name, path='/x/' + name,"
        " file_sha256=name, status='running', rows_done=5000)\n",
    )
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tongxin", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    body = r.read().decode()
                    server = r.headers["Server"]
                break
            except OSError:
                time.sleep(0.5)
        assert body == '{"status": "ok", "database": "ok"}'
        assert "gunicorn" in server
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output
    assert "db_worker" in output or "worker" in output.lower()
    assert "1 个导入任务因服务中断而停止" in output
    statuses = _shell(
        env,
        "from tongxin.exchange.models import ImportJob\n"
        "print(sorted(ImportJob.objects.values_list('filename', 'status')))",
    )
    assert statuses.strip() == "[('cli.csv', 'running'), ('web.csv', 'failed')]"


def _children(proc, pattern: str) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-f", pattern, "-P", str(proc.pid)], capture_output=True, text=True
    )
    return [int(pid) for pid in found.stdout.split()]


def _healthz(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
        return r.status


def test_a_dead_background_process_is_started_again_and_a_dead_web_server_stops_all(tmp_path):
    """The scheduler or the task worker dying (a database error) took the whole site down
    with it; it is started again while the site answers. The web server dying stops the
    service with a failure, for its supervisor to restart."""
    env = {
        **os.environ,
        "TONGXIN_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/t.sqlite3",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "tongxin", "migrate", "-v0"], env=env, check=True, timeout=120
    )
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tongxin", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(60):
            try:
                _healthz(port)
                break
            except OSError:
                time.sleep(0.5)
        for pattern in ("tongxin scheduler", "tongxin db_worker"):
            (first,) = _children(proc, pattern)
            os.kill(first, signal.SIGKILL)
            again = []
            for _ in range(40):
                assert proc.poll() is None and _healthz(port) == 200
                again = _children(proc, pattern)
                if again and again != [first]:
                    break
                time.sleep(0.5)
            assert again and first not in again, pattern
        for pid in _children(proc, "gunicorn"):
            os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read()
    assert proc.returncode == 1, output
    assert "scheduler exited with status -9; starting it again in 5 s" in output
    assert "db_worker started again" in output
    assert "stopped because gunicorn exited" in output
