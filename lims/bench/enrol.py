"""The `enrol` benchmark (`manage.py bench`): its own module to keep `lims.bench.benchmarks` under the size rule."""
import time
from datetime import date, timedelta

from django.db import transaction

from lims.bench.benchmarks import (
    ENROL_MICE,
    TARGETS,
    _line,
    _timed,
    bench_data,
    bench_user,
    peak_rss_mb,
    rolled_back,
)


def enrol_benchmark(n: int, *, mice_count: int | None = None) -> dict:
    """`procedures.services.mice_enrol` on 10,000 new mice (scaled) vs a bulk insert of the same ScheduledTest rows.

    The enrolment runs first and `peak_rss_mb` is read right after it, before the limit builds its 180,000 rows in
    memory; run_all also runs it on ENROL_SMALL mice, for `memory_growth` (target ≤ 1.25).
    """
    from django.test.utils import override_settings

    from colonies.models import Mouse
    from lims.audit import audit_context
    from procedures.models import Pipeline, Procedure, ScheduledTest
    from procedures.services import DEFAULT_WINDOW_DAYS, due_date_for, mice_enrol

    centre, prefix = bench_data(n)
    user, _key = bench_user(centre)
    count = mice_count or min(ENROL_MICE, n)
    pipeline = Pipeline.objects.get(key="IMPC_001")
    template = Mouse.objects.filter(specimen_id__startswith=f"{prefix}-M").order_by("specimen_id").first()
    today = date.today()
    result = {}
    # DEBUG off: its query log keeps the SQL of the last 9,000 statements, here 36 INSERTs of 5,000 rows at 10,000
    # mice against 8 at 2,000, which is the log's memory, not the enrolment's (as in production, DEBUG=False).
    with override_settings(DEBUG=False), rolled_back(), audit_context(command="bench", username="command:bench"):
        for first in range(0, count, 2000):  # in slices: the bench's own mice must not set the memory figure
            Mouse.objects.bulk_create([
                Mouse(centre=centre, specimen_id=f"BENCH-ENROL-{i:06d}", colony_id=template.colony_id,
                      strain_id=template.strain_id, sex="male" if i % 2 else "female",
                      date_of_birth=today - timedelta(days=28))
                for i in range(first, min(count, first + 2000))
            ])
        mice = Mouse.objects.filter(specimen_id__startswith="BENCH-ENROL-").order_by("pk")
        sid = transaction.savepoint()
        started = time.perf_counter()
        created = mice_enrol(mice=mice, pipeline=pipeline, actor=user, enrolled_on=today)
        seconds = time.perf_counter() - started
        rss = peak_rss_mb()
        transaction.savepoint_rollback(sid)
        procedures = list(pipeline.procedures.filter(level=Procedure.Level.MOUSE))
        rows = []
        for mouse in mice:
            for procedure in procedures:
                due = due_date_for(mouse, procedure, enrolled_on=today)
                rows.append(ScheduledTest(centre=centre, mouse=mouse, procedure=procedure, due_date=due,
                                          window_start=due, window_end=due + timedelta(days=DEFAULT_WINDOW_DAYS - 1)))
        limit = _timed(lambda: ScheduledTest.objects.bulk_create(rows, ignore_conflicts=True))
        result = _line("enrol", count, seconds, created, limit, target=TARGETS["enrol"],
                       target_ratio=2.0, rss_source="VmHWM read after the enrolment, before the limit ran")
        result["peak_rss_mb"] = rss
    return result
