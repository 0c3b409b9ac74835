"""A mixed load against gunicorn on loopback (`manage.py loadtest --seconds 60`), issue 8 point 3.

The command starts gunicorn (two sync workers, `lims.wsgi`) on a free port against the configured database, then
this process — a second process, on loopback — runs client threads with `http.client` and token auth for the given
time: 80 % reads (a colony's alive mice, one mouse, the cage list, the scheduled tests due) and 20 % writes (a new
cage, a mouse's ear mark changed), each an audited service call on the server. It reports p50/p95/p99 latency and
counts by status class; any 5xx is a failure.
"""
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings

READ_SHARE = 0.8


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"read": [], "write": []})
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            key = f"{status // 100}xx" if isinstance(status, int) else str(status)
            self.statuses[key] = self.statuses.get(key, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int = 2) -> subprocess.Popen:
    """gunicorn serving the project on 127.0.0.1:port, waiting until /health/ answers."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "lims.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--access-logfile", "-", "--log-level", "warning", "--timeout", "60"],
        cwd=str(settings.BASE_DIR), env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {proc.stderr.read().decode()[-1000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _percentile(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 1)


def _next_request(rng: random.Random, *, colonies: list[str], mouse_ids: list[int], tag: str,
                  ) -> tuple[str, str, str, dict | None]:
    """(kind, method, path, body) of the next request: 80 % reads (mouse lists and details, cages, the worklist),
    20 % writes (a new cage named after `tag`, an ear-mark change)."""
    if rng.random() < READ_SHARE:
        choice = rng.random()
        if choice < 0.4:
            return "read", "GET", f"/api/v1/mice/?colony={rng.choice(colonies)}&status=alive", None
        if choice < 0.7:
            return "read", "GET", f"/api/v1/mice/{rng.choice(mouse_ids)}/", None
        if choice < 0.85:
            return "read", "GET", "/api/v1/cages/?page=1", None
        return "read", "GET", f"/api/v1/scheduled-tests/?status=scheduled&page={rng.randint(1, 5)}", None
    if rng.random() < 0.5:
        return "write", "POST", "/api/v1/cages/", {"cage_id": f"LOAD-{tag}", "cage_type": "stock", "capacity": 5,
                                                   "opened_on": date.today().isoformat()}
    return "write", "PATCH", f"/api/v1/mice/{rng.choice(mouse_ids)}/", {"ear_mark": f"L{rng.randint(1, 99)}"}


def run_load(*, port: int, token: str, colonies: list[str], mouse_ids: list[int], seconds: float,
             threads: int = 8, seed: int = 1) -> dict:
    """Run the mixed load for `seconds` and return the summary (milliseconds)."""
    tally = Tally()
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    run_id = f"{int(time.time()) % 100000:05d}"

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        counter = 0
        while time.monotonic() < stop:
            counter += 1
            kind, method, path, body = _next_request(rng, colonies=colonies, mouse_ids=mouse_ids,
                                                     tag=f"{run_id}-{index}-{counter}")
            data = json.dumps(body) if body is not None else None
            request_headers = dict(headers, **({"Content-Type": "application/json"} if data else {}))
            started = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=request_headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                payload = b""
            tally.add(kind, time.perf_counter() - started, status)
            if isinstance(status, str) or status >= 400:
                with tally.lock:
                    if len(tally.errors) < 20:
                        tally.errors.append(f"{method} {path} → {status}: {payload[:200]!r}")
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return _summary(tally, seconds=seconds, threads=threads)


def _summary(tally: Tally, *, seconds: float, threads: int) -> dict:
    """Requests, rates, statuses, sample errors and p50/p95/p99 in milliseconds (all, reads, writes)."""
    everything = tally.latencies["read"] + tally.latencies["write"]
    summary = {
        "seconds": seconds, "threads": threads, "workers": 2, "requests": len(everything),
        "requests_per_s": round(len(everything) / seconds, 1),
        "reads": len(tally.latencies["read"]), "writes": len(tally.latencies["write"]),
        "statuses": tally.statuses, "server_errors": tally.statuses.get("5xx", 0),
        "client_errors": tally.statuses.get("4xx", 0),
        "connection_errors": sum(v for k, v in tally.statuses.items() if not k.endswith("xx")),
        "sample_errors": tally.errors,
    }
    for name, samples in (("all", everything), ("read", tally.latencies["read"]), ("write", tally.latencies["write"])):
        summary[f"{name}_ms"] = {"p50": _percentile(samples, 0.5), "p95": _percentile(samples, 0.95),
                                 "p99": _percentile(samples, 0.99)}
    return summary


__all__ = ["free_port", "run_load", "start_gunicorn"]
