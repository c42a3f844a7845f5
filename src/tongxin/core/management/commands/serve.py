"""Serve the app with gunicorn and run the background task worker beside it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


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
        worker = subprocess.Popen([python, "-m", "tongxin", "db_worker"])  # noqa: S603
        # Periodic jobs (supervision of late requests, the daily digest).
        scheduler = subprocess.Popen([python, "-m", "tongxin", "scheduler"])  # noqa: S603
        children = [web, worker, scheduler]
        self.stdout.write(f"同心 serving at http://{host}:{port}/ (task worker pid {worker.pid})")

        asked_to_stop = []

        def stop(signum, frame):
            if signum is not None:
                asked_to_stop.append(signum)
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        if not asked_to_stop:
            # A child died on its own: exit non-zero so a supervisor restarts the service.
            names = ["gunicorn", "db_worker", "scheduler"]
            dead = [
                n
                for n, c in zip(names, children, strict=True)
                if c.returncode not in (-signal.SIGTERM,)
            ]
            self.stderr.write(f"stopped because {', '.join(dead) or 'a process'} exited")
            sys.exit(1)
