"""Run pure-Python work in a thread while the calling thread waits on the database, so the two overlap.

Why: an upload checks 10,000 rows in Python and writes them with COPY; while a COPY runs, the database server
works (indexes, the audit triggers) and Python only waits, and while Python checks, the server is idle. On a
machine with two cores the checks of the next rows can run during the write of the previous ones. The GIL lets it
work: the waiting thread releases it in libpq's wait.

The producer must not touch the database: it has no connection of its own in the transaction (Django's connections
are per thread), so a query there would run outside the caller's transaction. Any query it tries is refused with an
error, which the caller receives.
"""
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation

_DONE = object()
SWITCH_INTERVAL = 0.0005  # seconds; the interpreter's while a producer runs (`sys.setswitchinterval`)


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


class _Stopped(Exception):
    """The consumer has gone (it raised): the producer stops at its next `put`."""


def _refuse_queries(execute, sql, params, many, context):
    raise RuntimeError("A query in the producer thread of `lims.overlap.overlapped` (it would run outside the "
                       f"caller's transaction): {sql[:200]}")


def overlapped(produce: Callable[[Callable[[Any], None]], None]) -> Iterator[Any]:
    """Run `produce(put)` in a thread; yield what it puts, in order, in the calling thread.

    An exception of `produce` is raised here, after the items put before it. If the caller stops early (an
    exception in its loop), the producer is stopped at its next `put` and joined before the exception goes on.
    """
    items: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    # Both are per thread in Django: the producer's messages and dates are the caller's.
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def put(item) -> None:
        if stop.is_set():
            raise _Stopped
        items.put(item)

    def run() -> None:
        try:
            with (connections[DEFAULT_DB_ALIAS].execute_wrapper(_refuse_queries), translation.override(language),
                  timezone.override(zone)):
                produce(put)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread, which raises it
            items.put(_Failed(exc))
        else:
            items.put(_DONE)
        finally:
            connections.close_all()  # this thread's own connections (only opened by a refused query)

    thread = threading.Thread(target=run, name="overlapped", daemon=True)
    # The calling thread waits on the database often (a COPY waits once per 32 kB sent): with the default 5 ms
    # switch interval each wake-up could wait that long for the producer to give the GIL back.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
