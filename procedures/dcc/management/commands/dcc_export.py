"""`manage.py dcc_export --centre H [--out DIR] [--full] [--as-imported] [--wait]`: export what is new or changed,
print the zips.

New records go to `DIR/add/`, changed ones to `DIR/edit/` (the ledger decides); `--full` sends everything again.
`--full --as-imported` is the migration mode: only the records a DCC import created, sent exactly as they were
imported; their pre-flight findings are printed and kept on the submission, not blocking. Records entered in the
LIMS are always held to today's rules (and not sent in this mode).

The export runs as the same Celery task the web UI uses; the command waits for it. Without REDIS_URL the task
runs in-process, with it a worker does the work, and this command only needs the database and the broker.

Exit status, for cron:
- 0: delivered; the path of each zip is printed on stdout.
- 1: failed (the reasons are printed), or nothing new or changed to send.
- 75 (EX_TEMPFAIL): not delivered *yet*, and nothing needs doing: the export is queued, being built or validated
  and will finish by itself. That happens when its worker is lost mid-build (killed, restarted): the redelivered
  task leaves a started export alone, and beat's stale-submission check re-queues it once it has been idle for
  LIMS_DCC_STALE_AFTER (31 minutes by default; the check runs every 5 minutes); a worker then resumes it where it
  stopped. The message says which submission and at about what time. A second run meanwhile has nothing new to
  send (the unfinished export holds those records) and says so, naming it, with the same exit status.
  `--wait` waits for that instead, then prints the zips of the export that delivered them.
"""
import datetime
import sys
import time

from billiard.exceptions import WorkerLostError
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from lims.audit import AuditedCommand
from lims.models import Centre
from procedures.dcc.models import Submission
from procedures.dcc.selectors import stale_check_every, stale_requeue_at, submissions_in_flight
from procedures.dcc.services import submission_create, submission_fail
from procedures.dcc.tasks import submission_build as submission_build_task

#: sysexits.h EX_TEMPFAIL: not delivered yet, nothing failed, it finishes without anyone acting.
EXIT_NOT_YET = 75
POLL_SECONDS = 2.0


def _clock(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %Z")


def what_happens_next(submission: Submission) -> str:
    """What becomes of an unfinished submission, and when, in the words of someone reading a cron mail."""
    state = {
        Submission.Status.PENDING: "is queued, not started",
        Submission.Status.BUILDING: "is being built, not delivered yet",
        Submission.Status.VALIDATED: "is validated, not delivered yet",
    }[submission.status]
    idle = int(settings.LIMS_DCC_STALE_AFTER // 60)
    return (
        f"Submission {submission.pk} {state} (last progress at {_clock(submission.updated_at)}, attempt "
        f"{submission.attempts}). Nothing is lost: its records are reserved for it and no other export sends them. "
        f"If a worker is still on it, it delivers it. If its worker was lost (killed or restarted), the "
        f"stale-submission check (Celery beat, every {stale_check_every()} minutes) re-queues it once it has been "
        f"idle for {idle} minutes, at about {_clock(stale_requeue_at(submission))}, and a worker resumes it where "
        "it stopped; a transient error (disk, network) is retried by the task itself, after up to 10 minutes. "
        f"Follow it on the DCC page ({submission.get_absolute_url()}), or run `manage.py dcc_export --centre "
        f"{submission.centre.code} --wait` to wait for it."
    )


class Command(AuditedCommand):
    help = (
        "Export the centre's new and changed specimens and experiments as DCC zips into --out/add and --out/edit "
        "(default: LIMS_DCC_SFTP_URL, else LIMS_DCC_OUTBOX/<centre>/) and print the path of each zip. Exit status: "
        "0 delivered; 1 failed or nothing to send; 75 not delivered yet (an earlier export is unfinished and will "
        "finish by itself: the message says when; --wait waits for it)."
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
        parser.add_argument(
            "--as-imported",
            action="store_true",
            help="Migration mode: send only imported records, as they were imported; their pre-flight findings are "
                 "listed, not blocking.",
        )
        parser.add_argument("--timeout", type=int, default=1800, help="Seconds to wait for the export (default 1800).")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="When the export (or an earlier one holding the records) is unfinished because its worker was lost, "
                 "wait for the stale-submission check to re-queue it and for its delivery (up to --timeout seconds "
                 "after the re-queue time) instead of exiting with 75.",
        )

    def handle(self, *args, centre: str, out: str, full: bool, timeout: int, wait: bool, as_imported: bool = False,
               **options):
        try:
            centre_obj = Centre.objects.get(code=centre)
        except Centre.DoesNotExist:
            known = ", ".join(Centre.objects.order_by("code").values_list("code", flat=True)) or "none"
            raise CommandError(f"Unknown centre {centre!r}. Known ILAR codes: {known}.") from None
        submission = submission_create(centre=centre_obj, actor=None, out_dir=out, full=full, as_imported=as_imported)
        try:
            submission_build_task.delay(submission_id=submission.pk).get(timeout=timeout)
        except (CeleryTimeoutError, WorkerLostError):
            pass  # unfinished, and resumable: said below, with what happens next
        except Exception as exc:  # noqa: BLE001 - whatever went wrong is reported as the submission's failure
            # A worker marks the submission failed before the error reaches us; run in-process (eager, which
            # propagates errors instead of retrying) nobody has, and the submission must not stay "building".
            submission_fail(submission_id=submission.pk, reason=f"{type(exc).__name__}: {exc}")
        submission.refresh_from_db()

        if submission.status == Submission.Status.NOTHING:
            holding = list(submissions_in_flight(centre=centre_obj, exclude=submission.pk))
            if not holding:
                raise CommandError(f"Submission {submission.pk}: nothing to send (nothing new or changed since the "
                                   "last delivery; --full sends everything).")
            if not wait:
                raise CommandError(
                    f"Submission {submission.pk}: nothing new to send beyond what an unfinished export holds.\n"
                    + "\n".join(what_happens_next(other) for other in holding), returncode=EXIT_NOT_YET)
            finished = [self._wait_for(other, timeout=timeout) for other in holding]
        else:
            if submission.status not in Submission.TERMINAL:
                if not wait:
                    raise CommandError(what_happens_next(submission), returncode=EXIT_NOT_YET)
                submission = self._wait_for(submission, timeout=timeout)
            finished = [submission]

        failed = [s for s in finished if s.status == Submission.Status.FAILED]
        if failed:
            reasons = "\n".join(
                f"  {error}" if isinstance(error, str) else f"  {error['where']}: {error['message']} ({error['url']})"
                for s in failed for error in s.errors
            )
            raise CommandError(f"Submission {', '.join(str(s.pk) for s in failed)} failed:\n{reasons}")
        for done in finished:
            for finding in done.findings or []:
                self.stderr.write(f"sent as imported: {finding['where']}: {finding['message']}")
            for file in done.files.order_by("increment"):
                self.stdout.write(file.path)

    def _wait_for(self, submission: Submission, *, timeout: int) -> Submission:
        """Poll the row until it is finished: up to `timeout` seconds after its stale re-queue is due."""
        self.stderr.write(
            f"Waiting for submission {submission.pk} ({submission.get_status_display().lower()}); if its worker was "
            f"lost it is re-queued at about {_clock(stale_requeue_at(submission))}.")
        sys.stderr.flush()
        while submission.status not in Submission.TERMINAL:
            deadline = stale_requeue_at(submission) + datetime.timedelta(seconds=timeout)
            if timezone.now() > deadline:
                raise CommandError(f"Gave up waiting at {_clock(timezone.now())}.\n{what_happens_next(submission)}",
                                   returncode=EXIT_NOT_YET)
            time.sleep(POLL_SECONDS)
            submission.refresh_from_db()
        return submission
