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


def test_serve_exits_non_zero_when_a_child_dies(tmp_path):
    """A supervisor restarts the service only if it sees a failure."""
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
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        workers = subprocess.run(
            ["pgrep", "-f", "tongxin scheduler", "-P", str(proc.pid)],
            capture_output=True,
            text=True,
        )
        for pid in workers.stdout.split():
            os.kill(int(pid), signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, proc.stdout.read()
