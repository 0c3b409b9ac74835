"""Which rows of a centre go to the DCC: the selection, not the shape (that is `procedures.dcc.xml`).

An experiment is exported when neither it nor its mouse is voided, it is not a draft and its procedure is performed
on a mouse (line-level experiments are `LineExperiment` rows, sent as `<line>`; not-performed scheduled tests are sent as
experiments carrying only a statusCode). A mouse is exported
when it has at least one such experiment, so the specimen file never announces mice the DCC will get no data for.
"""
from django.db.models import Exists, OuterRef, QuerySet

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
    """The mice the specimen file announces: genotyped, with an exportable experiment or a not-performed test."""
    experiments = exportable_experiment_list(centre=centre).filter(mouse=OuterRef("pk"))
    tests = exportable_not_performed_list(centre=centre).filter(mouse=OuterRef("pk"))
    return Mouse.objects.filter(centre=centre, voided_at__isnull=True).exclude(zygosity="").filter(
        Exists(experiments) | Exists(tests))
