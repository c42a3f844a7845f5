"""Background WAL checkpoints (`core.bulk.BackgroundCheckpoints`) on a real SQLite file.

The test database is in memory (no WAL), so a child process opens a file database the way
an import does, writes batches with checkpoints in a thread, and reports what it saw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, os, django
django.setup()
from django.db import connection, transaction
from tongxin.core.bulk import BackgroundCheckpoints

def autocheckpoint():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cursor.fetchone()[0]

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE written (n integer, payload text)")
    cursor.execute("PRAGMA wal_autocheckpoint = 500")  # the connection's own setting
seen = {"largest_log": 0}
log = connection.settings_dict["NAME"] + "-wal"
with BackgroundCheckpoints(log_limit=LIMIT) as checkpoints:
    seen["during"] = autocheckpoint()
    for batch in range(BATCHES):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO written VALUES (%s, %s)",
                [(batch * ROWS + i, "x" * 1000) for i in range(ROWS)],
            )
        checkpoints.committed()
        seen["largest_log"] = max(seen["largest_log"], os.path.getsize(log))
seen["after"] = autocheckpoint()
print(json.dumps(seen))
"""
BATCHES, ROWS = 30, 1000  # 30 MB written in batches of 1 MB
LIMIT = 4 << 20  # the log's size past which the writer lets a checkpoint catch up


def test_an_import_writes_everything_while_the_log_stays_small(tmp_path):
    database = tmp_path / "c.sqlite3"
    env = {
        **os.environ,
        "TONGXIN_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "tongxin.settings",
    }
    script = (
        SCRIPT.replace("BATCHES", str(BATCHES))
        .replace("ROWS", str(ROWS))
        .replace("LIMIT", str(LIMIT))
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # The writer left checkpointing to the thread, and got its own setting back.
    assert (seen["during"], seen["after"]) == (0, 500)
    # Copied back as it went: the log never grew much past its limit (a writer quicker
    # than the copying, or automatic checkpoints off with no thread: all 30 MB).
    assert seen["largest_log"] < LIMIT + (3 << 20), seen
    import sqlite3

    with sqlite3.connect(database) as reader:
        count, last = reader.execute("SELECT count(*), max(n) FROM written").fetchone()
    assert (count, last) == (BATCHES * ROWS, BATCHES * ROWS - 1)
