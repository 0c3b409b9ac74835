"""A real `celery worker` subprocess for the service tests (DCC delivery, procedure uploads).

Started as production starts it (`celery -A lims worker`) with DATABASE_URL pointing at the *test* database, so the
tests that use it are `transactional_db` tests: the worker only sees rows the test has committed.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from lims.celery import app as celery_app
from tests.dcc.helpers import worker_database_url

READY_TIMEOUT = 60


class WorkerProcess:
    """A `celery worker` subprocess with its log: `pool` solo, or prefork (a parent and one child)."""

    def __init__(self, *, redis_url: str, log_path: Path, extra_env: dict[str, str] | None = None,
                 pool: str = "solo", name: str = "test"):
        self.hostname = f"{name}-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self.log_path = log_path
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lims.settings",
            "DATABASE_URL": worker_database_url(),
            "DB_CONN_MAX_AGE": "0",  # hold no connection between tasks, so the test database can be dropped
            "REDIS_URL": redis_url,
            "LIMS_DCC_OUTBOX": str(settings.LIMS_DCC_OUTBOX),
            "LIMS_DCC_XSD_DIR": str(settings.LIMS_DCC_XSD_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **(extra_env or {}),
        }
        command = [
            str(Path(sys.executable).parent / "celery"), "-A", "lims", "worker",
            f"--pool={pool}", "--concurrency=1", "-Q", "celery", "--loglevel=INFO", "-n", self.hostname,
            "--without-mingle", "--without-gossip",
        ]
        self._log = open(log_path, "ab")  # noqa: SIM115 - the worker writes to it until stop() or kill() closes it
        self.process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    def log(self, tail: int | None = None) -> str:
        text = self.log_path.read_text(errors="replace")
        return text[-tail:] if tail else text

    def wait_until_ready(self) -> None:
        """Return once the worker answers a ping, so no task waits on a worker that is still importing Django."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if celery_app.control.ping(destination=[self.hostname], timeout=1.0):
                return
        pytest.fail(f"The Celery worker did not answer within {READY_TIMEOUT}s:\n{self.log()}")

    def children(self) -> list[int]:
        """The pool's child processes (their parent is the worker)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def kill(self) -> None:
        """SIGKILL the whole worker: no warm shutdown, no acknowledgement, no on_failure — as the OOM killer does."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        """Warm shutdown (a running task finishes first); killed if it does not end within 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if not self._log.closed:
            self._log.close()


def wait_for(predicate, *, timeout: float, what: str, log=lambda: "") -> None:
    """Poll `predicate` every 50 ms until it holds; fail with `what` and the worker's log after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"Timed out waiting for {what}:\n{log()}")
