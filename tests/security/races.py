"""Calls released together on threads, as concurrent requests are, for the race tests."""
import threading

from django.db import connections

# At most this many connections at once: PostgreSQL's default max_connections is 100 and other work shares it.
MAX_THREADS = 25


def race(n: int, work) -> list:
    """Run `work(0..n-1)` on up to MAX_THREADS threads released together by a barrier, each with (and closing) its
    own DB connection; each thread runs its share of the n calls back to back. A call's exception is its result."""
    width = min(n, MAX_THREADS)
    barrier, results = threading.Barrier(width), [None] * n

    def run(first):
        try:
            barrier.wait(timeout=30)
            for i in range(first, n, width):
                try:
                    results[i] = work(i)
                except Exception as error:  # noqa: BLE001 - a crash is a result the test asserts on
                    results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
