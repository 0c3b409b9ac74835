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

from django.db.models import Exists, OuterRef, Q, QuerySet

from colonies.models import Mouse
from lims.models import Centre
from procedures.models import Experiment, Housing, LineExperiment, Procedure, ScheduledTest


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


def submissions_in_flight(*, centre: Centre, exclude: int | None = None) -> QuerySet:
    """The centre's submissions that are neither delivered nor failed nor empty: queued, building or validated.

    Their records count as sent (`ledger.SENT_STATUSES` holds validated ones), so a new export planned meanwhile
    leaves those records to them.
    """
    from procedures.dcc.models import Submission

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
