"""DCC report: experiments submitted and pending per procedure, the last delivery, failures and their reasons.

An exportable experiment counts as *submitted* when the DCC ledger (`procedures.dcc.models.SubmissionRecord`) has
it in a delivered submission and it is not flagged for resubmission; every other exportable experiment is
*pending* (new, or edited after QC lock). An edit to an unlocked experiment changes its content hash, which only
the export's own plan sees (DCC → Export shows those counts); this report counts it as submitted until then.
Experiments of line- or centre-level procedures, drafts and voided ones are not exportable and not counted.
"""
from __future__ import annotations

from collections import defaultdict

from django.contrib.postgres.aggregates import BoolOr, StringAgg
from django.db.models import CharField, Count, Exists, F, Max, OuterRef, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from lims.reports import charts
from lims.reports.base import Report, Table
from lims.scoping import scope_for_user
from procedures.dcc.models import Submission, SubmissionRecord, ValidationMessage
from procedures.models import Experiment, Procedure

Status = Submission.Status


def exportable(user):
    """The experiments of the user's centre that a submission exports (as `exportable_experiment_list`)."""
    return scope_for_user(Experiment.objects.filter(
        voided_at__isnull=True, mouse__voided_at__isnull=True, mouse__centre=F("centre"),
        status=Experiment.Status.SUBMITTED, procedure__level=Procedure.Level.MOUSE), user)


def submitted_q() -> Q:
    return Q(in_delivered_ledger=True, needs_resubmission=False)


def build(user, params: dict | None = None) -> Report:
    """The DCC report of the user's centre. Five queries."""
    delivered = SubmissionRecord.objects.filter(kind=SubmissionRecord.Kind.EXPERIMENT, object_id=OuterRef("pk"),
                                                submission__status=Status.DELIVERED)
    per_procedure = (exportable(user).annotate(in_delivered_ledger=Exists(delivered))
                     .values("procedure__key", "procedure__name")
                     .annotate(total=Count("pk"), submitted=Count("pk", filter=submitted_q()),
                               pending=Count("pk", filter=~submitted_q()))
                     .order_by("procedure__key"))
    table = Table("procedures", "Experiments per procedure", ["Procedure", "Exportable", "Submitted", "Pending"],
                  note="Submitted: in a delivered submission (the DCC ledger) and not flagged for resubmission.")
    totals = {"exportable": 0, "submitted": 0, "pending": 0}
    for r in per_procedure:
        table.add([f"{r['procedure__name']} ({r['procedure__key']})", r["total"], r["submitted"], r["pending"]])
        totals["exportable"] += r["total"]
        totals["submitted"] += r["submitted"]
        totals["pending"] += r["pending"]

    submissions = scope_for_user(Submission.objects.all(), user)
    deliveries = (submissions.filter(status=Status.DELIVERED).values("centre__code")
                  .annotate(last=Max("finished_at"), count=Count("pk")).order_by("centre__code"))
    last_delivery = (submissions.filter(status=Status.DELIVERED).order_by("-finished_at")
                     .values("pk", "centre__code", "finished_at", "specimen_count", "experiment_count")
                     .annotate(files=Count("files"))[:1])
    delivered = Table("deliveries", "Deliveries", ["Centre", "Delivered submissions", "Last delivery",
                                                   "Specimens in the last", "Experiments in the last",
                                                   "Files in the last"])
    last = {r["centre__code"]: r for r in last_delivery}
    for r in deliveries:
        one = last.get(r["centre__code"], {})
        delivered.add([r["centre__code"], r["count"], r["last"], one.get("specimen_count"),
                       one.get("experiment_count"), one.get("files")])

    failures = (submissions.filter(status=Status.FAILED).annotate(reason=KT("errors__0"))
                .values("reason").annotate(count=Count("pk"), last=Max("finished_at"),
                                           ids=StringAgg(Cast("pk", output_field=CharField()), ", ", order_by="-pk"))
                .order_by("-count", "reason"))
    failed = Table("failures", "Failures by reason", ["Reason", "Failed submissions", "Last failure", "Submissions"])
    for r in failures:
        failed.add([r["reason"] or "(no reason recorded)", r["count"], r["last"],
                    ", ".join(f"#{pk}" for pk in r["ids"].split(", "))])
    totals["failures"] = sum(row[1] for row in failed.rows)

    chart = charts.bars("Experiments submitted and pending per procedure", "dcc",
                        [row[0].rsplit(" (", 1)[-1].rstrip(")") for row in table.rows],
                        [("Submitted", [row[2] for row in table.rows]), ("Pending", [row[3] for row in table.rows])])
    return Report(name="dcc", title="DCC", tables=[table, delivered, failed, verdicts(user)], charts=[chart],
                  params={"today": timezone.localdate()}, summary=totals, labels={
                      "exportable": "Exportable experiments", "submitted": "Submitted", "pending": "Pending",
                      "failures": "Failed submissions"})


def verdicts(user) -> Table:
    """Experiments accepted / rejected by the DCC per procedure and month, from the imported validation reports.

    An experiment counts once per month in which a report spoke of it: rejected when an active message rejected it
    that month (an error or fatal validation, or a failed phase), accepted otherwise. The month is the report's
    (its end or datetime), else the day it was imported. One query; the per-month counting is done here.
    """
    rows = (scope_for_user(ValidationMessage.objects.filter(experiment__isnull=False), user)
            .annotate(month=TruncMonth(Coalesce("reported_at", "created_at")))
            .values("experiment__procedure__key", "experiment__procedure__name", "month", "experiment_id")
            .annotate(rejected=BoolOr("rejected"))
            .order_by())
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        key = (r["experiment__procedure__key"], r["experiment__procedure__name"], r["month"])
        counts[key][1 if r["rejected"] else 0] += 1
    table = Table("dcc_verdicts", "Accepted and rejected by the DCC", ["Procedure", "Month", "Accepted", "Rejected"],
                  note="From the DCC validation reports imported (DCC page, or manage.py dcc_report_import).")
    for (key, name, month), (accepted, rejected) in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][2])):
        table.add([f"{name} ({key})", month.strftime("%Y-%m") if month else "", accepted, rejected])
    return table


__all__ = ["build", "exportable", "verdicts"]
