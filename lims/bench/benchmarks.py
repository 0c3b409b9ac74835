"""Benchmarks of issue 8, each against a limit measured in the same run (`manage.py bench`, `make bench`).

Absolute times vary from machine to machine, so each benchmark also times the fastest thing that produces the same
result (lxml writing the same elements from memory, raw SQL for the same page, openpyxl reading the same file, a
bulk insert of the same rows) and reports `ratio` = seconds / limit_seconds.

Each benchmark runs in its own Python process (`manage.py bench --one NAME`), for two reasons: `peak_rss_mb` is that
process's high-water mark (VmHWM, which includes Django itself and cannot go down within a process), and a
benchmark that crashes still yields a JSON line with an `error` key.
Benchmarks that write (excel_upload, enrol) roll their writes back, so a database can be benchmarked again.
"""
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from lims.bench.dcc_page import dcc_page  # its own module (size); it imports this one when it runs

KEYS = ("name", "n", "seconds", "rows_per_s", "peak_rss_mb", "limit_seconds", "ratio")
BENCHMARKS = ("dcc_export", "dcc_page", "api_mice", "worklist", "excel_upload", "enrol")
#: What each line must show (issue 15); `run_all` prints it on every line as `target`.
TARGETS = {
    "dcc_export": "ratio <= 2, memory_growth <= 1.25",
    "dcc_page": "seconds <= 0.5 at 100,000 mice with nothing pending, flat in N",
    "api_mice": "ratio <= 3, ratio_p99 <= 5",
    "worklist": "queries <= 10, ratio <= 5",
    "excel_upload": "ratio <= 3",
    "enrol": "ratio <= 2, memory_growth <= 1.25",
}
BENCH_SEED_BASE = 0  # the bench data set of N mice is `seed_scale --mice N --seed N`
UPLOAD_ROWS = 10_000
ENROL_MICE = 10_000
ENROL_SMALL = 2_000  # enrol's memory at 10,000 mice is compared with its memory at 2,000
WORKLIST_TESTS = 500
WORKLIST_RUNS = 7  # page loads and raw queries timed: the medians are compared
API_REQUESTS = 200


@contextmanager
def rolled_back():
    """Run a block in a transaction that is always rolled back (write benchmarks leave the data as they found it)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB: VmHWM from /proc/self/status.

    Not `getrusage().ru_maxrss`: Linux keeps that value across fork and exec, so a child started by a large parent
    would report the parent's peak. VmHWM belongs to the process's own address space (it includes Django itself).
    """
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else ():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # not Linux


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _line(name: str, n: int, seconds: float, rows: int, limit: float, **extra) -> dict:
    return {
        "name": name, "n": n, "seconds": round(seconds, 4),
        "rows_per_s": round(rows / seconds, 1) if seconds else None,
        "peak_rss_mb": peak_rss_mb(), "limit_seconds": round(limit, 4),
        "ratio": round(seconds / limit, 2) if limit else None, "rows": rows, **extra,
    }


# --- Data the benchmarks use -------------------------------------------------------------------------------------


def bench_data(n: int):
    """The bench data set of n mice (`seed_scale --mice n --seed n`), seeded on first use; returns (centre, prefix).

    Seeding with n as the seed keeps data sets of different sizes apart in one database; $BENCH_SEED picks another
    seed (a data set already written by `seed_scale --mice n --seed S`).
    """
    seed = int(os.environ.get("BENCH_SEED") or BENCH_SEED_BASE + n)
    from colonies.models import Colony
    from lims.models import Centre
    from lims.bench.scale import ensure_reference, prefix_for, seed_scale

    ensure_reference()
    prefix = prefix_for(seed)
    if not Colony.objects.filter(name__startswith=f"{prefix}-").exists():
        seed_scale(mice=n, seed=seed)
    return Centre.objects.get(code="H"), prefix


def bench_user(centre):
    """A technician of the bench centre with an API token."""
    from rest_framework.authtoken.models import Token

    from lims.audit import audit_context
    from lims.models import Role, User

    with audit_context(command="bench", username="command:bench"):
        user, _ = User.objects.get_or_create(username="bench-technician",
                                             defaults={"centre": centre, "role": Role.TECHNICIAN})
        token, _ = Token.objects.get_or_create(user=user)
    return user, token.key


def _first_mice(prefix: str, count: int):
    from colonies.models import Mouse

    return Mouse.objects.filter(specimen_id__startswith=f"{prefix}-M", specimen_id__lte=f"{prefix}-M{count:07d}")


# --- dcc_export ----------------------------------------------------------------------------------------------------


def _lxml_limit(path: str, mice: list[tuple], experiments: list[tuple]) -> None:
    """The same elements (specimens, then experiments with their values) written by lxml from lists in memory."""
    from lxml import etree

    from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS

    with etree.xmlfile(path + ".specimen.xml", encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{SPECIMEN_NS}}}centreSpecimenSet", nsmap={None: SPECIMEN_NS}):
            with xf.element(f"{{{SPECIMEN_NS}}}centre", {"centreID": "H"}):
                for attrib in mice:
                    with xf.element(f"{{{SPECIMEN_NS}}}mouse", attrib):
                        pass
    tag = lambda name: f"{{{PROCEDURE_NS}}}{name}"  # noqa: E731
    with etree.xmlfile(path, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(tag("centreProcedureSet"), nsmap={None: PROCEDURE_NS}):
            with xf.element(tag("centre"), {"centreID": "H", "pipeline": "IMPC_001", "project": "BaSH"}):
                for attrib, specimen, procedure, values in experiments:
                    with xf.element(tag("experiment"), attrib):
                        with xf.element(tag("specimenID")):
                            xf.write(specimen)
                        with xf.element(tag("procedure"), {"procedureID": procedure}):
                            for kind, key, increment, value in values:
                                if kind == "series":
                                    with xf.element(tag("seriesParameter"), {"parameterID": key}):
                                        with xf.element(tag("value"), {"incrementValue": increment}):
                                            xf.write(value)
                                else:
                                    name = "procedureMetadata" if kind == "metadata" else "simpleParameter"
                                    with xf.element(tag(name), {"parameterID": key}):
                                        with xf.element(tag("value")):
                                            xf.write(value)


def dcc_export(n: int, *, mice_count: int | None = None, with_limit: bool = True) -> dict:
    """Both DCC documents for all experiments of the first `mice_count` mice, vs lxml from memory."""
    from procedures.dcc.xml import write_experiment_file, write_specimen_file
    from procedures.models import Experiment, ParameterValue

    centre, prefix = bench_data(n)
    count = mice_count or n
    mice = _first_mice(prefix, count)
    experiments = Experiment.objects.filter(mouse__in=mice)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_specimen_file(Path(tmp) / "specimen.xml", mice)
        written = write_experiment_file(Path(tmp) / "experiment.xml", experiments)
        seconds = time.perf_counter() - started
        rss = peak_rss_mb()  # measured before the limit loads everything into memory
        values = ParameterValue.objects.filter(experiment__in=experiments).count()
        limit = None
        if with_limit:
            mouse_rows = [
                {"specimenID": s, "DOB": d.isoformat(), "gender": g, "zygosity": z, "isBaseline": "false",
                 "colonyID": c, "litterId": lc or s, "pipeline": "IMPC_001", "productionCentre": "H",
                 "phenotypingCentre": "H", "project": "BaSH"}
                for s, d, g, z, c, lc in mice.values_list("specimen_id", "date_of_birth", "sex", "zygosity",
                                                          "colony__name", "litter_code").order_by("specimen_id")
            ]
            by_experiment: dict[int, list] = {}
            for experiment_id, kind, key, increment, value in (
                ParameterValue.objects.filter(experiment__in=experiments)
                .order_by("experiment_id", "parameter__order", "parameter__key", "increment")
                .values_list("experiment_id", "parameter__type", "parameter__key", "increment", "value")
            ):
                by_experiment.setdefault(experiment_id, []).append((kind, key, increment, value))
            experiment_rows = [
                ({"experimentID": f"H-EXP-{pk}", "dateOfExperiment": on.isoformat(), "sequenceID": seq}, specimen,
                 procedure, by_experiment.get(pk, []))
                for pk, on, seq, specimen, procedure in experiments.order_by("date_of_experiment", "pk").values_list(
                    "pk", "date_of_experiment", "sequence_id", "mouse__specimen_id", "procedure__key")
            ]
            limit = _timed(lambda: _lxml_limit(str(Path(tmp) / "limit.xml"), mouse_rows, experiment_rows))
    line = _line("dcc_export", count, seconds, values, limit or 0, experiments=written.count,
                 rss_source="VmHWM of a fresh process, read before the limit ran")
    line["peak_rss_mb"] = rss
    return line


# --- api_mice --------------------------------------------------------------------------------------------------


def api_mice(n: int) -> dict:
    """`GET /api/v1/mice/?colony=…&status=alive&cursor=` (first page of 50) through the test client (token auth) vs
    raw SQL for the page; the same page by page number (with its COUNT) is reported as `page_number_*`."""
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from colonies.models import Colony

    centre, prefix = bench_data(n)
    _user, key = bench_user(centre)
    colony = (Colony.objects.filter(name__startswith=f"{prefix}-")
              .annotate(alive=Count("mice", filter=Q(mice__status="alive"))).order_by("-alive", "name").first())
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    page_url = f"/api/v1/mice/?colony={colony.name}&status=alive"
    url = page_url + "&cursor="
    for warm in (url, page_url):  # the token lookup is cached from the first request on, as in a client's session
        first = client.get(warm)
        if first.status_code != 200:
            raise RuntimeError(f"{warm} answered {first.status_code}: {first.content[:300]!r}")
    with CaptureQueriesContext(connection) as queries:
        page = len(client.get(url).json().get("results", []))
    query_count = len(queries)  # now: the query log is a bounded deque, a later len() may slice the wrong entries
    sql = (
        "SELECT m.* FROM colonies_mouse m WHERE m.centre_id = %s "
        "AND m.colony_id = (SELECT id FROM colonies_colony WHERE LOWER(name) = LOWER(%s)) "
        "AND m.status = 'alive' AND m.voided_at IS NULL ORDER BY m.specimen_id LIMIT 50"
    )

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(sql, [centre.pk, colony.name])
            cursor.fetchall()

    # Interleaved, so that a busy moment of a shared machine falls on both sides alike.
    samples, page_samples, raw_samples = [], [], []
    for _ in range(API_REQUESTS):
        samples.append(_timed(lambda: client.get(url)))
        page_samples.append(_timed(lambda: client.get(page_url)))
        raw_samples.append(_timed(raw))
    median, raw_median = statistics.median(samples), statistics.median(raw_samples)
    p99, raw_p99 = _percentile(samples, 0.99), _percentile(raw_samples, 0.99)
    return _line("api_mice", n, median, page, raw_median, requests=API_REQUESTS, queries=query_count,
                 p99_seconds=round(p99, 4), limit_p99_seconds=round(raw_p99, 4), ratio_p99=round(p99 / raw_p99, 2),
                 page_number_seconds=round(statistics.median(page_samples), 4),
                 page_number_ratio=round(statistics.median(page_samples) / raw_median, 2),
                 target=TARGETS["api_mice"], target_ratio=3.0, target_ratio_p99=5.0)


# --- worklist ----------------------------------------------------------------------------------------------------


def worklist(n: int) -> dict:
    """The worklist page of a day with 500 due tests (added in a rolled-back transaction): queries and time."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from colonies.models import Mouse
    from lims.models import Centre, Role, Strain, User
    from procedures.models import Procedure, ScheduledTest

    bench_data(n)
    # Another centre with exactly 500 tests due today, so the page is the "day with 500 due tests" while the
    # tables around it hold the whole bench data set.
    day = date.today()
    result = {}
    with rolled_back():
        centre = Centre.objects.get(code="Ucd")
        user = User.objects.create(username="bench-worklist", centre=centre, role=Role.TECHNICIAN)
        procedures = list(Procedure.objects.filter(level=Procedure.Level.MOUSE).order_by("pk"))[:5]
        strain = Strain.objects.order_by("pk").first()
        mice = Mouse.objects.bulk_create([
            Mouse(centre=centre, specimen_id=f"BENCH-WL-{i:04d}", strain=strain, sex="female", is_baseline=True,
                  date_of_birth=day - timedelta(days=70))
            for i in range(WORKLIST_TESTS // len(procedures))
        ])
        rows = [ScheduledTest(centre=centre, mouse=m, procedure=p, due_date=day, window_start=day,
                              window_end=day + timedelta(days=6)) for m in mice for p in procedures]
        ScheduledTest.objects.bulk_create(rows)
        client = Client()
        client.force_login(user)
        url = f"/phenotyping/worklist/?day={day.isoformat()}"
        client.get(url)  # warm the template cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        query_count = len(queries)
        seconds = statistics.median(_timed(lambda: client.get(url)) for _ in range(WORKLIST_RUNS))
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        due = ScheduledTest.objects.filter(centre=centre, status="scheduled", due_date__lte=day,
                                           mouse__voided_at__isnull=True).count()
        sql = ("SELECT t.*, m.specimen_id, p.key FROM procedures_scheduledtest t "
               "JOIN colonies_mouse m ON m.id = t.mouse_id JOIN procedures_procedure p ON p.id = t.procedure_id "
               "WHERE t.centre_id = %s AND t.status = 'scheduled' AND t.due_date <= %s AND m.voided_at IS NULL "
               "ORDER BY p.week, p.key, t.due_date, m.specimen_id")

        def raw():
            with connection.cursor() as cursor:
                cursor.execute(sql, [centre.pk, day])
                cursor.fetchall()

        limit = statistics.median(_timed(raw) for _ in range(WORKLIST_RUNS))
        result = _line("worklist", due, seconds, due, limit, queries=query_count, query_limit=10,
                       new_due_tests=len(rows), runs=WORKLIST_RUNS, target=TARGETS["worklist"],
                       target_ratio=5.0)
    return result


# --- excel_upload ----------------------------------------------------------------------------------------------


def _upload_file(prefix: str, rows: int) -> tuple[bytes, object]:
    """A filled body-weight template of `rows` rows (valid values) for the bench mice, and its procedure."""
    import random

    from openpyxl import Workbook

    from lims.bench.scale import value_for
    from procedures.forms import enterable
    from procedures.imports import procedure_columns
    from procedures.models import Procedure

    procedure = Procedure.objects.get(key="IMPC_BWT_001")
    columns = [c.name for c in procedure_columns(procedure)]
    parameters = {p.key: p for p in procedure.parameters.all() if enterable(p)}
    mice = list(_first_mice(prefix, 10**7).order_by("specimen_id").values_list("specimen_id", "date_of_birth"))
    rng = random.Random(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(procedure.key)
    sheet.append(columns)
    for i in range(rows):
        specimen, born = mice[i % len(mice)]
        on = min(date.today() - timedelta(days=1), born + timedelta(days=60))
        row = []
        for name in columns:
            if name == "specimen_id":
                row.append(specimen)
            elif name == "date_of_experiment":
                row.append(on)
            elif name == "experimenter":
                row.append("bench")
            elif name in parameters:
                row.append(value_for(parameters[name], rng, on=on))
            else:
                row.append(None)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), procedure


def excel_upload(n: int) -> dict:
    """The upload service (`procedures.imports.procedure_import`), 10,000 rows (scaled), vs openpyxl read-only."""
    from openpyxl import load_workbook

    from procedures.imports import procedure_import

    centre, prefix = bench_data(n)
    user, _key = bench_user(centre)
    rows = min(UPLOAD_ROWS, n)
    content, procedure = _upload_file(prefix, rows)

    def read_only():
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        for _row in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()

    limit = _timed(read_only)
    with rolled_back():
        started = time.perf_counter()
        # Confirmed: the bench rows are dated for speed, not inside each test's window (a warning since issue 13);
        # the figure is of the whole write path, as a technician's confirmed upload takes it.
        result = procedure_import(file=io.BytesIO(content), procedure=procedure, actor=user, confirm=True)
        seconds = time.perf_counter() - started
    errors = list(getattr(result, "errors", []) or [])
    if errors:
        raise RuntimeError(f"the upload was refused: {errors[:3]}")
    return _line("excel_upload", rows, seconds, rows, limit, target=TARGETS["excel_upload"], target_ratio=3.0)


# --- enrol --------------------------------------------------------------------------------------------------------


def enrol(n: int, *, mice_count: int | None = None) -> dict:
    """`procedures.services.mice_enrol` vs a bulk insert of the same rows (`lims.bench.enrol`)."""
    from lims.bench.enrol import enrol_benchmark

    return enrol_benchmark(n, mice_count=mice_count)


RUNNERS = {"dcc_export": dcc_export, "dcc_page": dcc_page, "api_mice": api_mice, "worklist": worklist, "excel_upload": excel_upload,
           "enrol": enrol}


def run_one(name: str, n: int, **options) -> dict:
    """Run one benchmark in this process; a failure becomes a line with an `error` key, never an exception."""
    try:
        line = RUNNERS[name](n, **options)
    except Exception as exc:  # noqa: BLE001 - the point is to report any failure as data
        line = {key: None for key in KEYS}
        line.update(name=name, n=n, peak_rss_mb=peak_rss_mb(), error=f"{type(exc).__name__}: {exc}",
                    traceback=traceback.format_exc(limit=4)[-1500:])
    return {key: line.get(key) for key in KEYS} | line


def run_in_child(name: str, n: int, extra: list[str] | None = None) -> dict:
    """Run one benchmark in a fresh `manage.py bench --one` process and return its JSON line."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--one", name, "--n", str(n),
               *(extra or [])]
    proc = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    for text in reversed(proc.stdout.strip().splitlines()):
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("name") == name:
            return line
    line = {key: None for key in KEYS}
    line.update(name=name, n=n, error=f"the benchmark process exited with {proc.returncode}",
                stderr=proc.stderr[-1500:])
    return line


def run_all(n: int, names=BENCHMARKS, write=print) -> list[dict]:
    """Seed the bench data if needed, then run each benchmark in its own process and print its line at once.

    dcc_export also runs at n/10 so that its memory at n can be compared with the memory at n/10.
    """
    lines = []
    try:
        bench_data(n)
    except Exception as exc:  # noqa: BLE001
        write(json.dumps({"name": "seed", "n": n, "error": f"{type(exc).__name__}: {exc}"}))
    for name in names:
        line = run_in_child(name, n)
        if name == "enrol" and "error" not in line and line["n"] > ENROL_SMALL:
            small = run_in_child(name, n, ["--mice-count", str(ENROL_SMALL)])
            line["peak_rss_mb_at_2000"] = small.get("peak_rss_mb")
            if small.get("peak_rss_mb"):
                line["memory_growth"] = round(line["peak_rss_mb"] / small["peak_rss_mb"], 2)
        if name == "dcc_export" and n >= 10 and "error" not in line:
            small = run_in_child(name, n, ["--mice-count", str(max(1, n // 10)), "--no-limit"])
            line["peak_rss_mb_at_n_over_10"] = small.get("peak_rss_mb")
            if small.get("peak_rss_mb"):
                line["memory_growth"] = round(line["peak_rss_mb"] / small["peak_rss_mb"], 2)
        line.setdefault("target", TARGETS.get(name))
        write(json.dumps(line, default=str))
        lines.append(line)
    return lines


__all__ = ["BENCHMARKS", "KEYS", "bench_data", "run_all", "run_in_child", "run_one"]
