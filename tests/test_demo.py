"""`load_demo`: the data `make run` serves, loaded twice without duplicating anything."""
from io import StringIO

import pytest
from django.core.management import call_command

from colonies.models import (
    AlleleModification,
    Cage,
    GenotypeResult,
    GenotypingAssay,
    Litter,
    Mating,
    MicroInjection,
    Mouse,
    PhenotypingAttempt,
    Reminder,
    ZygosityRule,
)
from procedures.dcc.models import Submission
from procedures.models import LineExperiment

SHOWN = (Mouse, Cage, Mating, Litter, GenotypingAssay, ZygosityRule, GenotypeResult, AlleleModification,
         PhenotypingAttempt, MicroInjection, LineExperiment, Submission)


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_houses_every_mouse(settings, tmp_path):
    settings.DEBUG = True
    settings.LIMS_DCC_OUTBOX = tmp_path / "outbox"  # the demo's first export is delivered there
    out = StringIO()
    call_command("load_demo", stdout=out)
    counts = {model.__name__: model.objects.count() for model in SHOWN}
    call_command("load_demo", stdout=StringIO())
    assert {model.__name__: model.objects.count() for model in SHOWN} == counts
    assert (counts["Mating"], counts["Litter"]) == (2, 1)
    assert counts["GenotypingAssay"] == 3 and counts["ZygosityRule"] == 8 and counts["Submission"] == 1
    assert Submission.objects.get().status == Submission.Status.DELIVERED
    homeless = Mouse.objects.exclude(placements__ended_on__isnull=True, placements__isnull=False)
    assert not homeless.exists()
    assert "Demo data:" in out.getvalue() and "2 matings" in out.getvalue()
    # The to-do page has the trio's litter to wean (due in two days: not yet) and the pair's litter check (due).
    kinds = set(Reminder.objects.filter(done_at__isnull=True).values_list("kind", flat=True))
    assert "litter_check" in kinds and "wean" not in kinds
    # The genotyped Cbx1 mice are off the genotyping list; the Trp53 cohort, not yet typed, is on it.
    typed = set(GenotypeResult.objects.values_list("mouse__colony__gene__symbol", flat=True))
    to_type = set(Reminder.objects.filter(kind="genotype", done_at__isnull=True)
                  .values_list("mouse__colony__gene__symbol", flat=True))
    assert typed == {"Cbx1"} and to_type == {"Trp53"}


@pytest.mark.django_db
def test_load_demo_without_the_dcc_schemas_loads_everything_but_the_export_and_the_check_says_why(settings, tmp_path):
    """GIVEN a clone with no ../shared (LIMS_DCC_XSD_DIR names an empty folder) WHEN load_demo runs (make run does)
    THEN it loads the demo without its first DCC export, instead of failing make run, and `check` warns lims.W003."""
    from django.core.checks import run_checks

    settings.DEBUG = True
    settings.LIMS_DCC_XSD_DIR = tmp_path / "no-schemas"
    settings.LIMS_DCC_OUTBOX = tmp_path / "outbox"
    call_command("load_demo", stdout=StringIO())
    assert Mouse.objects.exists() and GenotypeResult.objects.exists()
    assert not Submission.objects.exists()
    assert "lims.W003" in {message.id for message in run_checks()}
    settings.LIMS_DCC_XSD_DIR = settings.BASE_DIR.parent / "shared" / "dcc" / "xsd"  # where CI keeps them
    assert "lims.W003" not in {message.id for message in run_checks()}
