"""Which rows of a centre go to the DCC: the selection, not the shape (that is `procedures.dcc.xml`).

An experiment is exported when neither it nor its mouse is voided, it is not a draft and its procedure is performed
on a mouse (line-level experiments are `LineExperiment` rows, sent as `<line>`; not-performed scheduled tests are sent as
experiments carrying only a statusCode). Every mouse the DCC should know is exported, with or without experiments:
a centre registers its mice (colonies, genotypes, status codes) with the DCC before their experiments.

Migration mode (`dcc_export --full --as-imported`) takes the imported records only (`imported_only`): those a DCC
import created, told by what only an import writes (a mouse's DCC project, an experiment's DCC experimentID, a
line's or housing's source project); records entered in the LIMS are always held to today's rules.
"""
import datetime

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from colonies.models import Mouse
from lims.models import Centre
from procedures.dcc.models import Submission, SubmissionRecord, ValidationMessage
from procedures.models import (
    Experiment,
    Housing,
    HousingValue,
    LineExperiment,
    LineParameterValue,
    ParameterValue,
    Procedure,
    ScheduledTest,
)

Kind = SubmissionRecord.Kind


def exportable_experiment_list(*, centre: Centre) -> QuerySet[Experiment]:
    """Return the experiments of `centre` that belong in an experiment file (unordered, not yet prefetched)."""
    return Experiment.objects.filter(
        centre=centre,
        voided_at__isnull=True,
        mouse__voided_at__isnull=True,
        mouse__centre=centre,
        status=Experiment.Status.SUBMITTED,
        procedure__level=Procedure.Level.MOUSE,
    )


def exportable_mouse_list(*, centre: Centre) -> QuerySet[Mouse]:
    """Return the non-voided, genotyped mice of `centre` with at least one exportable experiment.

    The DCC requires a zygosity on every specimen, so a mouse still waiting for its genotype waits here too.
    """
    experiments = exportable_experiment_list(centre=centre).filter(mouse=OuterRef("pk"))
    return Mouse.objects.filter(centre=centre, voided_at__isnull=True).exclude(zygosity="").filter(
        Exists(experiments))


def exportable_not_performed_list(*, centre: Centre) -> QuerySet[ScheduledTest]:
    """Scheduled tests of `centre` explained as not performed: the DCC gets them as experiments with a statusCode."""
    return ScheduledTest.objects.filter(
        centre=centre, status=ScheduledTest.Status.NOT_PERFORMED, mouse__voided_at__isnull=True,
        mouse__centre=centre, procedure__level=Procedure.Level.MOUSE,
    )


def exportable_line_list(*, centre: Centre) -> QuerySet[LineExperiment]:
    """Non-voided line-level experiments of `centre` on non-voided colonies (`<line>` elements)."""
    return LineExperiment.objects.filter(centre=centre, voided_at__isnull=True, colony__voided_at__isnull=True)


def exportable_housing_list(*, centre: Centre) -> QuerySet[Housing]:
    """The centre's non-voided housing records (`<housing>` elements, at most two per `<centre>` block)."""
    return Housing.objects.filter(centre=centre, voided_at__isnull=True)


def exportable_specimen_list(*, centre: Centre) -> QuerySet[Mouse]:
    """The mice the specimen file announces: every non-voided mouse of `centre` the DCC should know (in a colony,
    or a baseline), whether or not it has an experiment yet. Genotyped only: the DCC requires a zygosity."""
    return Mouse.objects.filter(centre=centre, voided_at__isnull=True).exclude(zygosity="").filter(
        Q(colony__isnull=False) | Q(is_baseline=True))


#: What only a DCC import writes, per record kind: how migration mode tells imported records from entered ones.
IMPORTED = {
    "specimen": ~Q(dcc_project=""),
    "experiment": ~Q(dcc_experiment_id=""),
    "line": ~Q(source_project=""),
    "housing": ~Q(source_project=""),
}


def imported_only(kind: str, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the records a DCC import created (none for kinds an import never creates)."""
    return queryset.filter(IMPORTED[kind]) if kind in IMPORTED else queryset.none()


# --- Pending for the DCC ------------------------------------------------------------------------------------------

#: Submissions whose records count as sent: delivered, or validated (their ledger rows are committed and the
#: delivery will finish, resumed by `requeue_stale` if a worker dies).
SENT_STATUSES = (Submission.Status.VALIDATED, Submission.Status.DELIVERED)


def last_sent_at(*, centre: Centre) -> datetime.datetime | None:
    """When the centre's latest sent submission read its snapshot (its build's start): what was exportable then
    and unchanged since is with the DCC. None when nothing was ever sent."""
    return Submission.objects.filter(centre=centre, status__in=SENT_STATUSES).aggregate(
        at=Max(Coalesce("started_at", "created_at")))["at"]


def _touched(model, since, *children, also=()) -> Q:
    """Rows of `model` written after `since`, or one of whose `(value model, foreign key)` children was, or whose
    id `also` (querysets of ids) gives: one UNION read from indexes (`updated_at`), so the work is proportional to
    what changed, not to the table."""
    ids = model.objects.filter(updated_at__gt=since).order_by().values("pk")
    for child, key in children:
        ids = ids.union(child.objects.filter(updated_at__gt=since).order_by().values(key))
    for extra in also:
        ids = ids.union(extra)
    return Q(pk__in=ids)


def _sent(kind: str) -> Exists:
    return Exists(SubmissionRecord.objects.filter(centre=OuterRef("centre"), kind=kind, object_id=OuterRef("pk"),
                                                  submission__status__in=SENT_STATUSES))


def pending_list(kind: str, *, centre: Centre, since: datetime.datetime | None = None) -> QuerySet:
    """The records of one kind that the centre's next export sends, annotated `sent` (False: new, to add/;
    True: changed since it was sent, to edit/). `since` is `last_sent_at` (read when not given).

    The one definition of "pending for the DCC", used by the DCC page, the DCC report and the dashboard: an
    exportable record is pending when no sent submission carries it, or when it (or one of its values) was
    written after the latest sent submission read its snapshot, or (an experiment) flagged for resubmission after
    an edit under QC lock, as `ledger.plan_export` sends it. A specimen is pending as new once its first
    exportable experiment or not-performed test exists, as changed when the mouse row itself was written. The
    export itself compares content hashes (`ledger.plan_export`), so it may send less than this says (a save
    that changed nothing) — and a change that reaches a record's XML only through another row (a colony's
    project, a littermate born later) waits for a write of the record itself.
    """
    since = last_sent_at(centre=centre) if since is None else since
    if kind == Kind.SPECIMEN:
        rows = exportable_specimen_list(centre=centre)
        if since is not None:
            experiments = Experiment.objects.filter(_touched(Experiment, since, (ParameterValue, "experiment_id")))
            tests = ScheduledTest.objects.filter(updated_at__gt=since)
            rows = rows.filter(_touched(Mouse, since, also=(experiments.order_by().values("mouse_id"),
                                                            tests.order_by().values("mouse_id"))))
        rows = rows.annotate(sent=_sent(kind))
        return rows.filter(Q(sent=False) | Q(updated_at__gt=since)) if since is not None else rows
    rows, children = {
        Kind.EXPERIMENT: (exportable_experiment_list, [(ParameterValue, "experiment_id")]),
        Kind.NOT_PERFORMED: (exportable_not_performed_list, []),
        Kind.LINE: (exportable_line_list, [(LineParameterValue, "line_experiment_id")]),
        Kind.HOUSING: (exportable_housing_list, [(HousingValue, "housing_id")]),
    }[kind]
    rows = rows(centre=centre)
    if since is not None:
        flagged = ()
        if kind == Kind.EXPERIMENT:  # edited after the QC lock: sent again whatever its timestamps say
            flagged = (Experiment.objects.filter(needs_resubmission=True).order_by().values("pk"),)
        rows = rows.filter(_touched(rows.model, since, *children, also=flagged))
    return rows.annotate(sent=_sent(kind))


def pending_records(*, centre: Centre) -> list[tuple[str, int, bool]]:
    """(kind, id, sent) of every record pending for the DCC: one query for `last_sent_at`, one per kind."""
    since = last_sent_at(centre=centre)
    return [(kind, pk, sent) for kind in Kind.values
            for pk, sent in pending_list(kind, centre=centre, since=since).values_list("pk", "sent")]


def pending_counts(*, centre: Centre) -> dict[str, dict[str, int]]:
    """{kind: {"new": n, "changed": n}} of what is pending for the DCC (`pending_list`)."""
    counts = {kind: {"new": 0, "changed": 0} for kind in Kind.values}
    for kind, _pk, sent in pending_records(centre=centre):
        counts[kind]["changed" if sent else "new"] += 1
    return counts


def open_rejection_records(*, centre: Centre) -> list[tuple[str, int]]:
    """(kind, id) of the exportable specimens and experiments of `centre` with a rejection from the DCC that no
    later delivered submission fixed: one query, through the rejection index."""
    Record = ValidationMessage.RecordKind
    rows = ValidationMessage.objects.filter(centre=centre, rejected=True, fixed_by__isnull=True).filter(
        Q(record_kind=Record.SPECIMEN, mouse__in=exportable_specimen_list(centre=centre))
        | Q(record_kind=Record.EXPERIMENT, experiment__in=exportable_experiment_list(centre=centre)))
    pairs = rows.order_by().values_list("record_kind", "mouse_id", "experiment_id").distinct()
    return sorted({(Kind.SPECIMEN, mouse) if kind == Record.SPECIMEN else (Kind.EXPERIMENT, experiment)
                   for kind, mouse, experiment in pairs})


def submissions_in_flight(*, centre: Centre, exclude: int | None = None) -> QuerySet:
    """The centre's submissions that are neither delivered nor failed nor empty: queued, building or validated.

    Their records count as sent (`ledger.SENT_STATUSES` holds validated ones), so a new export planned meanwhile
    leaves those records to them.
    """
    return (Submission.objects.filter(centre=centre, status__in=[Submission.Status.PENDING, *Submission.ACTIVE])
            .exclude(pk=exclude).order_by("pk"))


def stale_requeue_at(submission) -> datetime.datetime:
    """When beat's `requeue_stale` will re-queue `submission` if nothing touches it before: the first run of the
    `dcc-requeue-stale` schedule once the row has been idle for LIMS_DCC_STALE_AFTER seconds."""
    from django.conf import settings

    due = submission.updated_at + datetime.timedelta(seconds=settings.LIMS_DCC_STALE_AFTER)
    minutes = sorted(settings.CELERY_BEAT_SCHEDULE["dcc-requeue-stale"]["schedule"].minute)
    at = due.replace(second=0, microsecond=0) + (datetime.timedelta(minutes=1) if due.second or due.microsecond
                                                  else datetime.timedelta())
    while at.minute not in minutes:
        at += datetime.timedelta(minutes=1)
    return at


def stale_check_every() -> int:
    """Minutes between two runs of beat's stale-submission check (`dcc-requeue-stale`, evenly spaced)."""
    from django.conf import settings

    minutes = sorted(settings.CELERY_BEAT_SCHEDULE["dcc-requeue-stale"]["schedule"].minute)
    return 60 // len(minutes)
