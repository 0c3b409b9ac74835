"""`make run` from a fresh clone, both ways, and Ctrl-C stops everything it started.

The repository is cloned (`git clone` of this checkout: committed files only, no `.venv`, no `var/`) into a temporary
folder once for the module; the first `make run` installs the virtualenv there from pip's cache.

- With DATABASE_URL (its own database, which `make run` creates) and REDIS_URL (its own Redis database number):
  web, worker and beat start (beat used to die at once on a fresh clone, with no `var/` for its schedule, and honcho
  then stopped the rest), /health/ sees the worker.
- With neither: the embedded PostgreSQL starts under `var/pgdata` and the web process serves.

Each run is stopped as a terminal stops it: SIGINT to the process group of `make`. Then no process it started may be
alive: the processes seen under `make` while it ran, the embedded postmaster, and any process on the machine whose
command line or working directory is in the clone.
"""
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[1]
#: The first run installs the virtualenv (pip's cache makes it about a minute) before it migrates and loads the demo.
FIRST_START_TIMEOUT = 480
START_TIMEOUT = 240
STOP_TIMEOUT = 60

pytestmark = [pytest.mark.services, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def clone():
    """A fresh clone of this checkout, shared by both runs (the second reuses its .venv, as a second run does).

    Not under pytest's temporary folder: the embedded PostgreSQL runs as another user (pgserver, when root starts
    it) and must traverse the path to its libraries, and every pytest session on the machine makes that folder
    private again (0700) when it starts.
    """
    if shutil.which("make") is None or shutil.which("git") is None:
        pytest.fail("`make` and `git` are needed to test `make run`")
    path = Path(tempfile.mkdtemp(prefix="lims-make-run-")) / "lims"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(path)], check=True, timeout=120)
    assert not (path / ".venv").exists() and not (path / "var").exists()
    yield path
    subprocess.run(["rm", "-rf", str(path.parent)], check=False, timeout=300)  # faster than shutil on a virtualenv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(**extra: str) -> dict:
    """The caller's environment without the project's variables (a fresh shell on the machine), plus `extra`."""
    drop = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST", "VIRTUAL_ENV",
            "LIMS_EMBEDDED_DB_SUPERVISED", "CI", "PORT", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST_")}
    env.update(extra)
    return env


class MakeRun:
    """`make run` in its own process group, as a terminal's foreground job; output to a log file."""

    def __init__(self, clone: Path, env: dict, log: Path):
        self.clone, self.port, self.log_path = clone, _free_port(), log
        self._log = open(log, "wb")  # noqa: SIM115 - make writes to it until stop()
        self.process = subprocess.Popen(["make", "run", f"PORT={self.port}"], cwd=clone, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def health(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/", timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            return None

    def wait_for(self, what: str, ready, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`make run` exited ({self.process.returncode}) before {what}:\n{self.log()}")
            if ready():
                return
            time.sleep(1)
        pytest.fail(f"`make run`: no {what} within {timeout}s:\n{self.log()}")

    def processes(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole foreground process group, then wait for `make` to return."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            self._log.close()

    def kill(self) -> None:
        """Teardown after a failure: leave nothing running for the next test."""
        for pid in [p.pid for p in self.processes()] + [self.process.pid]:
            # Already gone (or not ours to kill, as pgserver's postmaster run as its own user): stopped below.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        postmaster = _postmaster(self.clone)
        if postmaster is not None and _alive(postmaster):
            postmaster.terminate()
        self.process.wait(timeout=30)
        self._log.close()


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _of_clone(clone: Path) -> list[str]:
    """Every live process on the machine that runs from the clone (command line or working directory)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd", "status"]):
        info = proc.info
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = " ".join(info["cmdline"] or [])
        if str(clone) in cmdline or (info["cwd"] or "").startswith(str(clone)):
            found.append(f"{info['pid']}: {cmdline}")
    return found


def _postmaster(clone: Path) -> psutil.Process | None:
    pid_file = clone / "var" / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return None
    return psutil.Process(int(pid_file.read_text().split()[0]))


def _cmdlines(processes: list[psutil.Process]) -> str:
    lines = []
    for proc in processes:
        try:
            lines.append(" ".join(proc.cmdline()))
        except psutil.NoSuchProcess:
            continue
    return "\n".join(lines)


def _assert_everything_stopped(run: MakeRun, started: list[psutil.Process]) -> None:
    returncode = run.interrupt()
    assert returncode != 0, "an interrupted `make run` reports the interruption"  # make: "Interrupt", 130 or 2
    survivors = [f"{p.pid}: {_cmdlines([p])}" for p in started if _alive(p)]
    assert survivors == [], f"still running after Ctrl-C:\n{survivors}\n{run.log()}"
    assert _of_clone(run.clone) == [], run.log()
    assert not (run.clone / "var" / "pgdata" / "postmaster.pid").exists(), run.log()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", run.port)) != 0, "the port is still served"


@pytest.fixture
def server_urls(redis_url):
    """DATABASE_URL and REDIS_URL of the machine's servers, with a database name and a Redis db of their own."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        message = "needs DATABASE_URL (the machine's PostgreSQL)"
        if IN_CI:
            pytest.fail(f"{message}: CI must not skip service tests")
        pytest.skip(message)
    db = urlsplit(database_url)
    name = f"{db.path.lstrip('/') or 'lims'}_make_run"
    redis = urlsplit(redis_url)
    redis_db = (int(redis.path.lstrip("/") or 0) + 8) % 16
    urls = {"DATABASE_URL": urlunsplit(db._replace(path=f"/{name}")),
            "REDIS_URL": urlunsplit(redis._replace(path=f"/{redis_db}"))}
    maintenance = urlunsplit(db._replace(path="/postgres"))
    _drop_database(maintenance, name)
    yield urls
    _drop_database(maintenance, name)
    import redis as redis_client

    redis_client.Redis.from_url(urls["REDIS_URL"]).flushdb()


def _drop_database(maintenance_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_make_run_with_database_and_redis_starts_web_worker_and_beat_and_ctrl_c_stops_them(clone, server_urls,
                                                                                          tmp_path):
    assert not (clone / "var").exists(), "a fresh clone has no var/ (beat's schedule file lives there)"
    run = MakeRun(clone, _clean_env(**server_urls), tmp_path / "make-run-servers.log")
    try:
        run.wait_for("/health/ with a worker answering",
                     lambda: (run.health() or {}).get("workers", "").startswith("1 worker"),
                     FIRST_START_TIMEOUT if not (clone / ".venv").exists() else START_TIMEOUT)
        run.wait_for("beat", lambda: "beat: Starting..." in run.log_path.read_text(errors="replace"), 60)
        started = run.processes()
        commands = _cmdlines(started)
        assert "manage.py runserver" in commands and "celery -A lims worker" in commands
        assert "celery -A lims beat" in commands, commands
        assert (clone / "var" / "celerybeat-schedule").exists() or list((clone / "var").glob("celerybeat-schedule*"))
        health = run.health()
        assert health == {"status": "ok", "database": "ok", "broker": "ok", "workers": "1 worker(s) answering"}
        assert _postmaster(clone) is None  # DATABASE_URL: no embedded server
    except BaseException:
        run.kill()
        raise
    _assert_everything_stopped(run, started)
    assert "SIGINT received" in run.log()


def test_make_run_with_nothing_set_starts_the_embedded_database_and_ctrl_c_stops_it_too(clone, tmp_path):
    assert not (clone / "var" / "pgdata").exists()
    run = MakeRun(clone, _clean_env(), tmp_path / "make-run-embedded.log")
    try:
        run.wait_for("/health/", lambda: run.health() is not None,
                     FIRST_START_TIMEOUT if not (clone / ".venv").exists() else START_TIMEOUT)
        health = run.health()
        assert health["database"] == "ok" and health["workers"] == "in-process", health
        postmaster = _postmaster(clone)
        assert postmaster is not None and _alive(postmaster), run.log()
        started = [*run.processes(), postmaster]
        commands = _cmdlines(started)
        assert "manage.py runserver" in commands and "celery" not in commands, commands
    except BaseException:
        run.kill()
        raise
    _assert_everything_stopped(run, started)
    assert "embedded PostgreSQL stopped" in run.log()
