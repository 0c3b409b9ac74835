"""Grip strength (IMPC_GRS_001) exactly as the IMPReSS fixture defines it, and mice due for it on a day."""
import datetime as dt
import json
from pathlib import Path

from django.conf import settings

from procedures.impress import impress_load
from procedures.models import Pipeline, Procedure, ScheduledTest
from procedures.services import mice_enrol

GRIP = "IMPC_GRS_001"
# Every metadata parameter of IMPC_GRS_001 but 008–011 (derived): 005–007 and 012 (Experimenter ID), 013 (Equipment
# model) are required; 014 (Date equipment last calibrated) is not since the 2020 definition.
GRIP_METADATA = {
    "IMPC_GRS_005_001": "GRID-07",
    "IMPC_GRS_006_001": "Bioseb",
    "IMPC_GRS_007_001": "BIO-GS3",
    "IMPC_GRS_012_001": "42",
    "IMPC_GRS_013_001": "BIO-GS3 meter",
    "IMPC_GRS_014_001": "2026-01-10",
}
GRIP_REQUIRED_METADATA = set(GRIP_METADATA) - {"IMPC_GRS_014_001"}


def grip_strength_procedure() -> Procedure:
    """Load only IMPC_GRS_001 (with its 14 parameters) of the IMPC_001 fixture."""
    data = json.loads((Path(settings.BASE_DIR) / "fixtures" / "impress_impc_001.json").read_text(encoding="utf-8"))
    data["procedures"] = [p for p in data["procedures"] if p["key"] == GRIP]
    impress_load(data)
    return Procedure.objects.get(pipeline__key=data["pipeline"]["key"], key=GRIP)


def enrol_due_today(mice, procedure: Procedure, actor) -> list[ScheduledTest]:
    """Enrol mice born `week` weeks ago today, so that their grip strength is due today."""
    pipeline = Pipeline.objects.get(pk=procedure.pipeline_id)
    mice_enrol(mice=mice, pipeline=pipeline, actor=actor, enrolled_on=dt.date.today())
    return list(ScheduledTest.objects.filter(mouse__in=mice, procedure=procedure).order_by("mouse__specimen_id"))


def born_for_today(procedure: Procedure) -> dt.date:
    return dt.date.today() - dt.timedelta(weeks=procedure.week)


def mouse_post(test, forelimb=("101.5", "99", "104"), both=("180", "176.5", "182"), weight="24.1",
               comment="calm") -> dict[str, str]:
    """The batch form's fields of one mouse (prefix t<test id>)."""
    data = {f"t{test.pk}-IMPC_GRS_003_001": weight, f"t{test.pk}-IMPC_GRS_004_001": comment}
    for n, value in enumerate(forelimb):
        data[f"t{test.pk}-IMPC_GRS_001_001__{n}"] = value
    for n, value in enumerate(both):
        data[f"t{test.pk}-IMPC_GRS_002_001__{n}"] = value
    return data
