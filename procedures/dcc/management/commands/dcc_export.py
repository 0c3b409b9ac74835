"""`manage.py dcc_export --centre H [--out DIR] [--full]`: export what is new or changed and print the zips written.

New records go to `DIR/add/`, changed ones to `DIR/edit/` (the ledger decides); `--full` sends everything again.
With nothing new the command says "nothing to send" and exits non-zero, so a cron job notices nothing went out.

The export runs as the same Celery task the web UI uses; the command waits for it. Without REDIS_URL the task
runs in-process, with it a worker does the work, and this command only needs the database and the broker.
"""
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management.base import CommandError

from lims.audit import AuditedCommand
from lims.models import Centre
from procedures.dcc.models import Submission
from procedures.dcc.services import submission_create, submission_fail
from procedures.dcc.tasks import submission_build as submission_build_task


class Command(AuditedCommand):
    help = (
        "Export the centre's new and changed specimens and experiments as DCC zips into --out/add and --out/edit "
        "(default: LIMS_DCC_SFTP_URL, else LIMS_DCC_OUTBOX/<centre>/), print the path of each zip, and exit "
        "non-zero if the export failed or had nothing to send."
    )
    audit_reason = "dcc.submission.export"

    def add_arguments(self, parser):
        parser.add_argument("--centre", required=True, help="The centre's ILAR code as the DCC spells it: H, J, Tcp …")
        parser.add_argument("--out", default="", help="File-source directory: zips go to its add/ and edit/.")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Send everything, not only what is new or changed (known records go to edit/).",
        )
        parser.add_argument("--timeout", type=int, default=1800, help="Seconds to wait for the export (default 1800).")

    def handle(self, *args, centre: str, out: str, full: bool, timeout: int, **options):
        try:
            centre_obj = Centre.objects.get(code=centre)
        except Centre.DoesNotExist:
            known = ", ".join(Centre.objects.order_by("code").values_list("code", flat=True)) or "none"
            raise CommandError(f"Unknown centre {centre!r}. Known ILAR codes: {known}.") from None
        submission = submission_create(centre=centre_obj, actor=None, out_dir=out, full=full)
        try:
            submission_build_task.delay(submission_id=submission.pk).get(timeout=timeout)
        except CeleryTimeoutError:
            submission.refresh_from_db()
            raise CommandError(
                f"Submission {submission.pk} is still {submission.status} after {timeout}s; is a worker running?"
            ) from None
        except Exception as exc:  # noqa: BLE001 - whatever went wrong is reported as the submission's failure
            # A worker marks the submission failed before the error reaches us; run in-process (eager, which
            # propagates errors instead of retrying) nobody has, and the submission must not stay "building".
            submission_fail(submission_id=submission.pk, reason=f"{type(exc).__name__}: {exc}")
        submission.refresh_from_db()
        if submission.status == Submission.Status.FAILED:
            reasons = "\n".join(
                f"  {error}" if isinstance(error, str) else f"  {error['where']}: {error['message']} ({error['url']})"
                for error in submission.errors
            )
            raise CommandError(f"Submission {submission.pk} failed:\n{reasons}")
        if submission.status == Submission.Status.NOTHING:
            raise CommandError(f"Submission {submission.pk}: nothing to send (nothing new or changed since the last "
                               "delivery; --full sends everything).")
        if submission.status != Submission.Status.DELIVERED:
            raise CommandError(f"Submission {submission.pk} ended {submission.status}, not delivered.")
        for file in submission.files.order_by("increment"):
            self.stdout.write(file.path)
