"""`make run`: one foreground process that owns everything it starts, so Ctrl-C stops all of it.

    python -m lims.run [--port 8000]

1. `var/` is made first (beat writes `var/celerybeat-schedule`, the embedded database lives in `var/pgdata`).
2. Without DATABASE_URL the embedded PostgreSQL is started here, once, and stopped here after everything else has
   exited (`lims.embedded_db`); with DATABASE_URL the database is created when it does not exist yet.
3. `manage.py migrate` and `manage.py load_demo` run to completion.
4. The processes of the `Procfile` run under honcho: `web` always, `worker` and `beat` when REDIS_URL is set (without
   it Celery tasks run inside the web process). Each runs in its own process group; on Ctrl-C (SIGINT), SIGTERM or
   SIGHUP honcho sends SIGTERM to every group, then SIGKILL to what is left after 5 seconds, and when one process
   dies the others are stopped too, so nothing is left half running.

The only module of the project imported here is `lims.embedded_db`: the supervisor never loads Django's settings.
"""
import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
#: Processes that need a broker; without REDIS_URL only `web` runs.
BROKER_PROCESSES = {"worker", "beat"}


def _say(message: str) -> None:
    print(f"make run: {message}", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _ensure_database(url: str) -> None:
    """Create the database of DATABASE_URL when the server has none of that name (a first run on a new server)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        return
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                _say(f"created database {name}")
    except psycopg.Error as exc:  # no maintenance database, no CREATEDB right: migrate says what is wrong
        _say(f"could not check or create database {name} ({type(exc).__name__}); trying it as it is")


def _procfile(env: dict) -> list[tuple[str, str]]:
    from honcho.environ import parse_procfile

    entries = parse_procfile((ROOT / "Procfile").read_text()).processes
    return [(name, command) for name, command in entries.items()
            if env.get("REDIS_URL") or name not in BROKER_PROCESSES]


def _serve(env: dict) -> int:
    from honcho.manager import Manager

    manager = Manager()
    for name, command in _procfile(env):
        manager.add_process(name, command, env=env, cwd=str(ROOT))
    # honcho handles SIGINT and SIGTERM; a closed terminal (SIGHUP) must stop the process groups as well.
    signal.signal(signal.SIGHUP, lambda signum, frame: manager.terminate())
    manager.loop()
    return manager.returncode or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lims.run", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    port = parser.parse_args(argv).port
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)  # until honcho takes over: stop cleanly, the database included
    (ROOT / "var").mkdir(exist_ok=True)
    env = {**os.environ, "LIMS_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    server = None
    try:
        if env.get("DATABASE_URL"):
            _ensure_database(env["DATABASE_URL"])
        else:
            from lims.embedded_db import SUPERVISED_ENV, embedded_server_start

            server = embedded_server_start(ROOT / "var" / "pgdata")
            env[SUPERVISED_ENV] = "1"
            _say(f"embedded PostgreSQL running (pid {server.get_pid()}, data in var/pgdata)")
        for step in (["migrate", "--noinput"], ["load_demo"]):
            subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True)
        _say(f"LIMS at http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
        _say("demo users: demo-technician, demo-colony-manager, demo-data-wrangler, demo-centre-admin, "
             f"demo-read-only, demo-outsider; password: {env.get('LIMS_DEMO_PASSWORD') or 'demo'}")
        if not env.get("REDIS_URL"):
            _say("no REDIS_URL: Celery tasks run in-process (no worker, no beat)")
        return _serve(env)
    except KeyboardInterrupt:
        return 130
    except subprocess.CalledProcessError as exc:
        _say(f"{' '.join(exc.cmd[1:])} failed (exit {exc.returncode}); nothing is left running")
        return exc.returncode or 1
    finally:
        if server is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the shutdown
            server.cleanup()  # stops the server unless another process (a shell, a test run) still uses it
            _say("embedded PostgreSQL stopped" if not _postmaster_alive(server.pgdata) else
                 "embedded PostgreSQL left running: another process still uses it")


def _postmaster_alive(pgdata: Path) -> bool:
    """Whether a server still runs on `pgdata` (`pg_ctl stop -w` returns once it removed postmaster.pid)."""
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


if __name__ == "__main__":
    sys.exit(main())
