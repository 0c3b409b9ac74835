"""PostgreSQL restarted in the middle of a stream of writes: no acknowledged write lost, no half-saved experiment.

A writer thread records body-weight experiments through the service, each in its own transaction, and notes every
one the service returned (acknowledged). Meanwhile the machine's PostgreSQL is restarted (`pg_ctlcluster … restart`,
fast shutdown: open connections are cut). Writes that fail during the outage are retried on a new connection, as a
client would. Afterwards every acknowledged experiment is in the database with all its values, and no experiment
exists without its values (the experiment and its values commit together or not at all).

It restarts the PostgreSQL every other process of the machine uses, so it runs only in CI (CI=true, as root, with
DATABASE_URL on this machine), where .ci/run owns the server; elsewhere it is skipped with that reason.
"""
import datetime as dt
import os
import shutil
import subprocess
import threading
import time
from urllib.parse import urlparse

import pytest
from django.db import InterfaceError, OperationalError, connection

from lims.models import Role
from procedures.models import Experiment, ParameterValue
from procedures.services import EnteredValue, experiment_record
from tests.factories import BODY_WEIGHT_VALUES, CentreFactory, MouseFactory, UserFactory, body_weight_procedure


def _restart_command() -> list[str] | None:
    if custom := os.environ.get("LIMS_PG_RESTART_CMD"):
        return custom.split()
    clusters = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")]) if os.path.isdir(
        "/etc/postgresql") else []
    if not clusters or not shutil.which("pg_ctlcluster"):
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "restart", "-m", "fast"]


def _why_not() -> str:
    host = urlparse(os.environ.get("DATABASE_URL", "")).hostname
    if os.environ.get("LIMS_PG_RESTART_CMD"):
        return ""
    if os.environ.get("CI", "").lower() != "true":
        return "restarts the machine's PostgreSQL (shared by everything on it): runs in CI only"
    if os.geteuid() != 0:
        return "needs root to restart PostgreSQL"
    if host not in ("127.0.0.1", "localhost", "::1"):
        return "DATABASE_URL does not point at this machine's PostgreSQL"
    if _restart_command() is None:
        return "no pg_ctlcluster / PostgreSQL cluster on this machine"
    return ""


pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.skipif(bool(_why_not()), reason=_why_not() or "-")]

VALUES = {k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()}


def _wait_for_database(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.close()
            connection.ensure_connection()
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_restart_loses_no_acknowledged_write_and_half_saves_nothing():
    centre = CentreFactory(code="H", name="Harwell")
    actor = UserFactory(centre=centre, role=Role.TECHNICIAN, username="restart-writer")
    mouse = MouseFactory(centre=centre, date_of_birth=dt.date.today() - dt.timedelta(days=1500))
    procedure = body_weight_procedure()
    acknowledged, failures, stop = [], [], threading.Event()
    restarted_at = []

    def write():
        day = 0
        try:
            while not stop.is_set() and day < 1400:
                day += 1
                try:
                    experiment = experiment_record(mouse=mouse, procedure=procedure, actor=actor, values=VALUES,
                                                   date_of_experiment=mouse.date_of_birth + dt.timedelta(days=day))
                    acknowledged.append((experiment.pk, time.monotonic()))
                except (OperationalError, InterfaceError) as error:
                    failures.append(type(error).__name__)
                    connection.close()  # the next try opens a new connection, as a client would
                    time.sleep(0.2)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 10 and time.monotonic() < deadline and writer.is_alive():
            time.sleep(0.1)
        assert len(acknowledged) >= 10, "the writer did not get going"
        restarted_at.append(time.monotonic())
        # No pipes: a postmaster started by the command would hold them open and the run would never return.
        subprocess.run(_restart_command(), check=True, timeout=120, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        _wait_for_database()
        after = len(acknowledged)
        deadline = time.monotonic() + 60
        while len(acknowledged) < after + 10 and time.monotonic() < deadline and writer.is_alive():
            time.sleep(0.1)
    finally:
        stop.set()
        writer.join(timeout=120)
    _wait_for_database()

    assert failures, "no write failed: PostgreSQL was not restarted during the writes"
    assert any(at > restarted_at[0] for _, at in acknowledged), "no write was acknowledged after the restart"
    ids = [pk for pk, _ in acknowledged]
    stored = set(Experiment.objects.filter(pk__in=ids).values_list("pk", flat=True))
    assert stored == set(ids), f"acknowledged but lost: {sorted(set(ids) - stored)}"
    counts = {pk: 0 for pk in Experiment.objects.filter(mouse=mouse).values_list("pk", flat=True)}
    for pk in ParameterValue.objects.filter(experiment__mouse=mouse).values_list("experiment_id", flat=True):
        counts[pk] += 1
    half_saved = {pk: n for pk, n in counts.items() if n != len(VALUES)}
    assert half_saved == {}, f"experiments without all their values: {half_saved}"
