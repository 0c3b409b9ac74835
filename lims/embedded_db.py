"""The private PostgreSQL that runs when no DATABASE_URL is given.

A bench laptop or a first `make run` needs no database server: the `pgserver` wheel ships PostgreSQL binaries and
we keep its data directory under `var/` so data survives restarts. There is deliberately no SQLite path: triggers,
constraints and SKIP LOCKED must behave as in production.

Who stops the server:
- A lone command (`manage.py migrate`, `make test`) registers its pid with pgserver, which stops the server when the
  last registered process exits. pgserver unregisters a process only in an `atexit` hook, which a SIGTERM or
  SIGKILL skips; such a dead pid would keep the server running for ever, so dead pids are pruned at every start.
- `make run` (`lims/run.py`) starts the server once, tells its children so (SUPERVISED_ENV), and stops it after the
  last child has exited. The children attach to the running server without registering: Ctrl-C, which ends them
  with SIGTERM, can then never leave the server behind.
"""
import json
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

#: Set by `lims/run.py` for the processes it starts: the server is running and the supervisor stops it.
SUPERVISED_ENV = "LIMS_EMBEDDED_DB_SUPERVISED"
DATABASE_NAME = "lims"


def _prepare(pgdata: Path) -> None:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    runtime = pgdata.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # pgserver keeps its lock file there
    pgdata.mkdir(exist_ok=True)


def _prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of processes that died without unregistering (SIGTERM, SIGKILL); return the pids kept."""
    import psutil
    from pgserver.postgres_server import PostgresServer

    handles = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not handles.exists():
            return []
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))
    return alive


def embedded_server_start(pgdata: Path):
    """Start (or attach to) the server under `pgdata`, registered to this process, with the `lims` database.

    Returns pgserver's handle; the server stops when the last registered process exits (or calls `cleanup()`).
    """
    _prepare(pgdata)
    import pgserver  # imported lazily: production never loads it

    _prune_dead_handles(pgdata.resolve())
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server


def _running_postmaster(pgdata: Path):
    """The postmaster of `pgdata` started by `make run`; refuse clearly when it is not running."""
    _prepare(pgdata)
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata.resolve())
    if info is None or not info.is_running() or info.status != "ready":
        raise ImproperlyConfigured(
            f"{SUPERVISED_ENV} is set but the embedded PostgreSQL under {pgdata} is not running; start the LIMS "
            "with `make run`, or unset the variable to let this process start the server itself."
        )
    return info


def embedded_database_settings(pgdata: Path) -> dict:
    """Return a Django DATABASES entry for the embedded server, starting it unless `make run` already did."""
    if os.environ.get(SUPERVISED_ENV):
        info = _running_postmaster(pgdata)
    else:
        info = embedded_server_start(pgdata).get_postmaster_info()
    settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "CONN_MAX_AGE": 0,
    }
    if info.socket_dir is not None:
        settings["HOST"] = str(info.socket_dir)
    else:
        settings["HOST"], settings["PORT"] = info.hostname, info.port
    return settings
