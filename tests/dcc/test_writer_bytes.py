"""The DCC writers' bytes are pinned: a small export made by the writer before it read tuples (issue 15 item 1).

The expected files in `tests/dcc/data/` were written by the model-instance writer (main at ee096fb) from the same
deterministic data (`seed_scale`, fixed seed and day, plus one not-performed test); the tuple writer must give the
same bytes. Identifiers made from primary keys (`H-EXP-<pk>`, `H-NP-<pk>`) differ from one database to the next,
so they are numbered in order of appearance before the comparison; everything else is compared byte for byte.
The shared samples' exports are pinned by their SHA-256 in `test_roundtrip` (`pinned_sample_sha256.json`).
`tests/dcc/pins.py` says how to regenerate them.
"""
from datetime import date, datetime, timezone

import pytest

from colonies.models import Mouse
from lims.bench.scale import prefix_for, seed_scale
from procedures.dcc.xml import write_experiment_file, write_specimen_file
from procedures.models import Experiment, ScheduledTest
from tests.dcc.pins import check_pinned

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)
SEED = 31


def test_small_export_keeps_its_bytes(tmp_path):
    seed_scale(mice=60, seed=SEED, today=TODAY)
    mice = Mouse.objects.filter(specimen_id__startswith=f"{prefix_for(SEED)}-")
    test = ScheduledTest.objects.filter(mouse__in=mice).order_by("mouse__specimen_id", "procedure__key").first()
    ScheduledTest.objects.filter(pk=test.pk).update(
        status=ScheduledTest.Status.NOT_PERFORMED, status_code="IMPC_PSC_006",
        status_changed_at=datetime(2026, 5, 20, 9, 0, tzinfo=timezone.utc))
    exported = mice.filter(experiments__isnull=False).exclude(zygosity="").distinct()
    specimen = write_specimen_file(tmp_path / "specimen.xml", Mouse.objects.filter(pk__in=exported.values("pk")))
    experiment = write_experiment_file(tmp_path / "experiment.xml", Experiment.objects.filter(mouse__in=mice),
                                       not_performed=ScheduledTest.objects.filter(pk=test.pk))
    assert specimen.count > 20 and experiment.count > 100 and experiment.problems == []
    check_pinned(tmp_path / "specimen.xml", "pinned_specimen.xml")
    check_pinned(tmp_path / "experiment.xml", "pinned_experiment.xml")
