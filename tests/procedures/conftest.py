"""Fixtures of the phenotyping tests: uploaded files under a temporary MEDIA_ROOT, eager tasks on demand, mice due
for an upload."""
import datetime as dt

import pytest

from tests.factories import body_weight_procedure
from tests.procedures.helpers import scheduled_test, upload_mice


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores its uploads under its own temporary MEDIA_ROOT, never the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def due_mice(tech):
    """Five mice due for their body weight on 2026-02-02: (the procedure, their specimen ids)."""
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 5)
    for mouse in mice:
        scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    return procedure, [m.specimen_id for m in mice]
