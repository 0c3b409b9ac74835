"""The `dcc_page` benchmark (issue 15 item 6): `GET /dcc/` with nothing pending, against the absolute 0.5 s.

Kept beside `lims.bench.benchmarks` (which lists it in `RUNNERS`) so that module stays under 500 lines; the shared
helpers are imported from there when it runs.
"""
import statistics

from django.db import connection

# --- dcc_page ---------------------------------------------------------------------------------------------------

DCC_PAGE_TARGET_SECONDS = 0.5
DCC_PAGE_REQUESTS = 5


def _all_sent(centre) -> int:
    """A delivered submission carrying every exportable record of the centre (ledger rows written by INSERT …
    SELECT, in the caller's rolled-back transaction): the state "nothing pending" of the DCC page's target."""
    from django.utils import timezone

    from procedures.dcc import selectors
    from procedures.dcc.models import Submission, SubmissionRecord

    now = timezone.now()
    submission = Submission.objects.create(centre=centre, status=Submission.Status.DELIVERED, started_at=now,
                                           finished_at=now)
    written = 0
    with connection.cursor() as cursor:
        for kind, rows in ((SubmissionRecord.Kind.SPECIMEN, selectors.exportable_specimen_list(centre=centre)),
                           (SubmissionRecord.Kind.EXPERIMENT, selectors.exportable_experiment_list(centre=centre)),
                           (SubmissionRecord.Kind.NOT_PERFORMED,
                            selectors.exportable_not_performed_list(centre=centre))):
            sql, params = rows.values("pk").query.sql_with_params()
            cursor.execute(
                f"INSERT INTO {SubmissionRecord._meta.db_table} (submission_id, centre_id, kind, object_id, sha256, "
                f"folder) SELECT %s, %s, %s, ids.id, '', 'add' FROM ({sql}) AS ids(id)",
                [submission.pk, centre.pk, kind, *params])
            written += cursor.rowcount
    return written


def dcc_page(n: int) -> dict:
    """`GET /dcc/` of the bench centre with nothing pending (every record in a delivered submission, rolled back):
    the median of 5 requests against the issue's absolute target of 0.5 s (`ratio` ≤ 1 meets it)."""
    from django.test import Client

    from lims.bench.benchmarks import _line, _timed, bench_data, rolled_back
    from lims.models import Role, User

    centre, _prefix = bench_data(n)
    result = {}
    with rolled_back():
        records = _all_sent(centre)
        user = User.objects.create(username="bench-dcc-page", centre=centre, role=Role.DATA_WRANGLER)
        client = Client()
        client.force_login(user)
        response = client.get("/dcc/")  # warm the template cache
        if response.status_code != 200:
            raise RuntimeError(f"/dcc/ answered {response.status_code}")
        from procedures.dcc.selectors import pending_records

        pending = len(pending_records(centre=centre))
        seconds = statistics.median(_timed(lambda: client.get("/dcc/")) for _ in range(DCC_PAGE_REQUESTS))
        # Its query count is pinned by tests/dcc/test_pending.py (flat in the data).
        result = _line("dcc_page", n, seconds, records, DCC_PAGE_TARGET_SECONDS, pending=pending, requests=DCC_PAGE_REQUESTS, target_seconds=DCC_PAGE_TARGET_SECONDS)
    return result
