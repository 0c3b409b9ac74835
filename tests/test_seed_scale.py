"""seed_scale: deterministic, the counts the issue asks for, and data the project's own validators accept."""
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F
from pghistory.models import Events

from colonies.models import Cage, CagePlacement, Colony, Litter, Mating, MicroInjection, Mouse, StatusStamp
from lims.bench.scale import RECORDED_PROCEDURES, prefix_for, seed_scale
from procedures.models import Experiment, ParameterValue, Procedure, ScheduledTest
from procedures.validation import normalise_value

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)
N = 200


def _snapshot(seed: int) -> dict:
    prefix = prefix_for(seed)
    mice = Mouse.objects.filter(specimen_id__startswith=f"{prefix}-")
    return {
        "mice": list(mice.order_by("specimen_id").values_list(
            "specimen_id", "sex", "date_of_birth", "zygosity", "status", "colony__name", "litter__code")),
        "values": list(ParameterValue.objects.filter(experiment__mouse__in=mice)
                       .order_by("experiment__mouse__specimen_id", "experiment__date_of_experiment",
                                 "experiment__procedure__key", "parameter__key", "increment")
                       .values_list("experiment__mouse__specimen_id", "parameter__key", "increment", "value")),
        "cages": list(Cage.objects.filter(cage_id__startswith=f"{prefix}-").order_by("cage_id")
                      .values_list("cage_id", "opened_on", "closed_on")),
    }


def test_same_seed_gives_the_same_ids_and_values():
    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            seed_scale(mice=N, seed=5, today=TODAY)
            snapshots.append(_snapshot(5))
            transaction.set_rollback(True)
    assert snapshots[0]["mice"] and snapshots[0]["values"]
    assert snapshots[0] == snapshots[1]
    with transaction.atomic():
        seed_scale(mice=N, seed=6, today=TODAY)
        other = _snapshot(6)
        transaction.set_rollback(True)
    assert [row[1:5] for row in other["mice"]] != [row[1:5] for row in snapshots[0]["mice"]]


def test_counts_and_shape_of_a_centre():
    result = seed_scale(mice=N, seed=7, today=TODAY)
    prefix = prefix_for(7)
    mice = Mouse.objects.filter(specimen_id__startswith=f"{prefix}-")
    colonies = Colony.objects.filter(name__startswith=f"{prefix}-")
    assert mice.count() == N == result.counts["mouse"]
    assert colonies.count() == N // 50
    assert set(colonies.values_list("genotype_status", flat=True)) == {"confirmed"}
    # Production history: every colony has its attempt, genotype confirmed, with its status stamps.
    injections = MicroInjection.objects.filter(colonies__in=colonies)
    assert injections.count() == N // 50 and set(injections.values_list("status", flat=True)) == {"gtc"}
    assert StatusStamp.objects.filter(microinjection__in=injections).count() == 3 * (N // 50)
    # Each colony has 50 mice; every non-breeder points at a litter of its colony's mating.
    assert set(mice.values("colony").annotate(c=Count("pk")).values_list("c", flat=True)) == {50}
    pups = mice.filter(litter__isnull=False)
    assert pups.count() > 0.8 * N
    assert not pups.exclude(litter__mating__colony=F("colony")).exists()
    assert Mating.objects.filter(colony__in=colonies).count() == 2 * (N // 50)
    assert Litter.objects.filter(mating__colony__in=colonies).count() >= N // 10
    # Cages: never more than five mice at the same time (placements are time-ranged), one open placement a mouse.
    placements = CagePlacement.objects.filter(mouse__in=mice)
    for cage_id in placements.values_list("cage", flat=True).distinct():
        rows = list(placements.filter(cage=cage_id).values_list("started_on", "ended_on"))
        for start, _end in rows:
            together = sum(1 for s, e in rows if s <= start and (e is None or e > start))
            assert together <= 5
    assert placements.filter(ended_on__isnull=True).values("mouse").annotate(c=Count("pk")).filter(c__gt=1).count() == 0
    assert placements.filter(ended_on__isnull=True).count() == mice.filter(status="alive").count()
    # Enrolment: every pup has a test for each mouse-level procedure.
    mouse_procedures = Procedure.objects.filter(level=Procedure.Level.MOUSE).count()
    assert ScheduledTest.objects.filter(mouse__in=pups).count() == pups.count() * mouse_procedures
    # Experiments carry about 30 values per mouse, from the procedures of the subset that define parameters.
    experiments = Experiment.objects.filter(mouse__in=mice)
    assert set(experiments.values_list("procedure__key", flat=True)) == set(RECORDED_PROCEDURES)
    values = ParameterValue.objects.filter(experiment__in=experiments).count()
    assert 15 <= values / N <= 60
    assert not experiments.filter(scheduled_test__isnull=False).exclude(scheduled_test__status="done").exists()
    assert not experiments.filter(date_of_experiment__gte=TODAY).exists()
    # Audit stays on: the inserts have their events, attributed to the command.
    some = [str(pk) for pk in mice.values_list("pk", flat=True)[:20]]
    events = Events.objects.filter(pgh_obj_model="colonies.Mouse", pgh_obj_id__in=some)
    assert events.count() == 20
    assert {e.pgh_context.get("command") for e in events} == {"seed_scale"}


def test_values_pass_the_projects_validators_and_the_dcc_schema(tmp_path):
    seed_scale(mice=N, seed=9, today=TODAY)
    mice = Mouse.objects.filter(specimen_id__startswith=f"{prefix_for(9)}-")
    sample = ParameterValue.objects.filter(experiment__mouse__in=mice).select_related("parameter")[:2000]
    assert len(sample) > 500
    for row in sample:
        assert normalise_value(row.parameter, row.value) == row.value
        assert not row.out_of_range
    from procedures.dcc.validation import validate_xml
    from procedures.dcc.xml import write_experiment_file, write_specimen_file

    few = mice.filter(experiments__isnull=False).distinct().order_by("specimen_id")[:10]
    write_specimen_file(tmp_path / "specimen.xml", Mouse.objects.filter(pk__in=[m.pk for m in few]))
    written = write_experiment_file(tmp_path / "experiment.xml", Experiment.objects.filter(mouse__in=list(few)))
    assert written.count > 0 and written.problems == []
    assert validate_xml(tmp_path / "specimen.xml") == []
    assert validate_xml(tmp_path / "experiment.xml") == []


def test_command_refuses_a_seed_already_loaded():
    call_command("seed_scale", "--mice", "60", "--seed", "11")
    assert Mouse.objects.filter(specimen_id__startswith="SC11-").count() == 60
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_scale", "--mice", "60", "--seed", "11")


def test_no_phenotyping_writes_the_colony_side_only():
    call_command("seed_scale", "--mice", "60", "--seed", "12", "--no-phenotyping")
    mice = Mouse.objects.filter(specimen_id__startswith="SC12-")
    assert mice.count() == 60
    assert CagePlacement.objects.filter(mouse__in=mice).exists() and Litter.objects.filter(mating__male__in=mice).exists()
    assert not ScheduledTest.objects.filter(mouse__in=mice).exists()
    assert not Experiment.objects.filter(mouse__in=mice).exists()
