"""Serve the app with gunicorn and run the background task worker beside it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# A background process is started again this long after it exits, and at most this many
# times within the window before the service stops.
RESTART_PAUSE = 5.0
RESTARTS_ALLOWED = 5
RESTART_WINDOW = 600.0


class Command(BaseCommand):
    help = "Run the production web server (gunicorn), the task worker and the periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, host, port, workers, **options):
        from tongxin.core.keycheck import require_data_key

        require_data_key()
        from tongxin.exchange.importer import fail_interrupted_imports

        # The worker started below is the only one: an import still marked running lost its.
        if interrupted := fail_interrupted_imports():
            self.stdout.write(f"{interrupted} 个导入任务因服务中断而停止，可在其页面继续导入。")
        python = sys.executable
        web = subprocess.Popen(  # noqa: S603 - fixed argument list
            [
                python,
                "-m",
                "gunicorn",
                "tongxin.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ]
        )
        # Background processes: the task worker (web imports) and the periodic jobs
        # (supervision of late requests, the daily digest, reminders).
        background = {
            "db_worker": [python, "-m", "tongxin", "db_worker"],
            "scheduler": [python, "-m", "tongxin", "scheduler"],
        }
        running = {name: subprocess.Popen(command) for name, command in background.items()}  # noqa: S603
        self.stdout.write(
            f"同心 serving at http://{host}:{port}/ (task worker pid {running['db_worker'].pid})"
        )

        asked_to_stop = []

        def children():
            return [web, *running.values()]

        def stop(signum, frame):
            if signum is not None:
                asked_to_stop.append(signum)
            for child in children():
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # A background process that dies (a database error, a task that broke it) is started
        # again after a pause while the site keeps answering; one that keeps dying stops the
        # service, for its supervisor to see.
        restarts: dict[str, list[float]] = {name: [] for name in background}
        due: dict[str, float] = {}
        gave_up = ""
        try:
            while web.poll() is None and not asked_to_stop and not gave_up:
                now = time.monotonic()
                for name, child in running.items():
                    if child.poll() is None or name in due:
                        continue
                    recent = [t for t in restarts[name] if now - t < RESTART_WINDOW]
                    restarts[name] = recent
                    if len(recent) >= RESTARTS_ALLOWED:
                        gave_up = name
                        break
                    self.stderr.write(
                        f"{name} exited with status {child.returncode}; "
                        f"starting it again in {RESTART_PAUSE:g} s"
                    )
                    due[name] = now + RESTART_PAUSE
                for name, when in list(due.items()):
                    if now >= when and not asked_to_stop:
                        del due[name]
                        if name == "db_worker":
                            self._fail_imports_of_the_dead_worker()
                        running[name] = subprocess.Popen(background[name])  # noqa: S603
                        restarts[name].append(now)
                        self.stdout.write(f"{name} started again (pid {running[name].pid})")
                time.sleep(0.5)
        finally:
            stop(None, None)
            for child in children():
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        if not asked_to_stop:
            # The web server died, or a background process kept dying: exit non-zero so a
            # supervisor restarts the service.
            dead = gave_up or "gunicorn"  # gunicorn exits 0 on the SIGTERM sent above
            self.stderr.write(f"stopped because {dead or 'a process'} exited")
            sys.exit(1)

    def _fail_imports_of_the_dead_worker(self) -> None:
        """Web imports the dead worker ran can be resumed from their page. The worker most
        likely died of the database (a restart, an outage): this process's connection may
        be gone too, and a failure here must not stop the site — the worker starts anyway."""
        from django.db import DatabaseError, close_old_connections, connection

        from tongxin.exchange.importer import fail_interrupted_imports

        close_old_connections()
        try:
            interrupted = fail_interrupted_imports()
        except DatabaseError as exc:
            connection.close()
            self.stderr.write(f"could not mark the dead worker's imports failed: {exc}")
            return
        if interrupted:
            self.stdout.write(f"{interrupted} 个导入任务因任务进程退出而停止，可在其页面继续导入。")
