"""Row preparation in a second process, so parsing, validation and encryption (pure Python)
run on one core while the database writes run on the other.

The child is forked from the importing process: it inherits the settings, the data key, the
active language and the already-opened table, and never touches the database. Prepared rows
come back in pickled chunks through a pipe; the pipe's buffer bounds how far the child runs
ahead, so memory stays flat. If the parent dies (a power cut, `kill -9`), the child's next
write fails and it ends; if the child dies, the parent raises instead of waiting forever.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections
from django.utils.translation import gettext as _

CHUNK_ROWS = 500
QUEUED_CHUNKS = 40  # about four batches ahead, a few MB
# Connections inherited from the parent are kept referenced (never closed or collected) in
# the child: closing one would end the parent's session on PostgreSQL.
_INHERITED: list[Any] = []


class PipelineError(Exception):
    """The preparation process ended without finishing (it was killed or crashed)."""


def parallel_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def prepared_in_child(produce: Callable[[], Iterator[Any]]) -> Iterator[Any]:
    """Yield what `produce()` yields, computed in a forked child process."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(produce, sender, receiver), daemon=True)
    child.start()
    sender.close()
    # A thread drains the pipe while this one writes to the database: the pipe alone holds
    # 64 KB, and a child blocked on a full pipe would make the two processes take turns.
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_CHUNKS)
    stop = threading.Event()

    def drain() -> None:
        try:
            while not stop.is_set():
                chunks.put(receiver.recv_bytes())
        except (EOFError, OSError):
            chunks.put(None)

    drainer = threading.Thread(target=drain, name="import-pipe", daemon=True)
    drainer.start()
    try:
        while True:
            data = chunks.get()
            if data is None:
                raise PipelineError(_("数据准备进程意外退出，已提交的批次保留，请重新导入以续传。"))
            kind, payload = pickle.loads(data)  # noqa: S301 (from our own child)
            if kind == "rows":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        stop.set()
        if child.is_alive():
            child.terminate()
        child.join()
        while drainer.is_alive():  # unblock a drainer waiting on a full queue
            try:
                chunks.get_nowait()
            except queue.Empty:
                pass
            drainer.join(0.05)
        receiver.close()


def _child_main(produce: Callable[[], Iterator[Any]], sender, receiver) -> None:
    # The fork gave the child the pipe's reading end too: while the child holds it, the pipe
    # never breaks, and a child whose parent was killed blocked for ever on a full pipe
    # (found as orphans of the kill test, 144 MB each).
    receiver.close()
    for connection in connections.all(initialized_only=True):
        _INHERITED.append(connection.connection)
        connection.connection = None
        connection.connect = _no_database  # type: ignore[method-assign]
    chunk: list[Any] = []

    def send(message: tuple) -> None:
        sender.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    try:
        try:
            for item in produce():
                chunk.append(item)
                if len(chunk) >= CHUNK_ROWS:
                    send(("rows", chunk))
                    chunk = []
        except Exception as exc:  # noqa: BLE001 — the rows before it count; the parent decides
            send(("rows", chunk))
            send(("error", exc))
        else:
            send(("rows", chunk))
            send(("done", None))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone
    finally:
        sender.close()


def _no_database(*_args, **_kwargs):
    raise RuntimeError("the row-preparation process must not use the database")
