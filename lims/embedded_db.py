"""The private PostgreSQL that runs when no DATABASE_URL is given.

A bench laptop or a first `make run` needs no database server: the `pgserver` wheel ships PostgreSQL binaries and
we keep its data directory under `var/` so data survives restarts. The server stops when the last process using it
exits. There is deliberately no SQLite path: triggers, constraints and SKIP LOCKED must behave as in production.
"""
import os
from pathlib import Path


def embedded_database_settings(pgdata: Path) -> dict:
    """Start (or attach to) the embedded server and return a Django DATABASES entry for it."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    runtime = pgdata.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # pgserver keeps its lock file there
    import pgserver  # imported lazily: production never loads it

    pgdata.mkdir(exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'lims';")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE lims;")
    info = server.get_postmaster_info()
    settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "lims",
        "USER": "postgres",
        "PASSWORD": "",
        "CONN_MAX_AGE": 0,
    }
    if info.socket_dir is not None:
        settings["HOST"] = str(info.socket_dir)
    else:
        settings["HOST"], settings["PORT"] = info.hostname, info.port
    return settings
