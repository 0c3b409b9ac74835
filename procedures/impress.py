"""Load IMPReSS definitions (pipeline → procedures → parameters) from the JSON format of the shared subset."""
import json
import re
from pathlib import Path

from django.db import transaction

from procedures.models import Parameter, Pipeline, Procedure, Source

_LEVELS = {"line": Procedure.Level.LINE, "centre": Procedure.Level.CENTRE}


def _week(value) -> int | None:
    """IMPReSS gives a week number or 'Unrestricted'; annotated strings ('9 (for the 2012 SOP…)') keep the number."""
    if isinstance(value, int):
        return value
    match = re.match(r"\s*(\d+)", str(value or ""))
    return int(match.group(1)) if match else None


def _clean(value) -> str:
    return "" if value in (None, "unconfirmed") else str(value)


@transaction.atomic
def impress_load(data: dict) -> dict[str, int]:
    """Create or update the pipeline, its procedures and parameters; idempotent. Returns counts."""
    pipeline, _ = Pipeline.objects.update_or_create(
        key=data["pipeline"]["key"],
        defaults={"name": data["pipeline"]["name"], "version": _clean(data["pipeline"].get("version")),
                  "source": Source.IMPRESS},
    )
    counts = {"procedures": 0, "parameters": 0}
    for proc in data["procedures"]:
        mandatory = proc.get("is_mandatory")
        level = str(proc.get("level") or "mouse").split(" ")[0]
        procedure, _ = Procedure.objects.update_or_create(
            pipeline=pipeline,
            key=proc["key"],
            defaults={
                "name": proc["name"],
                "version": _clean(proc.get("version"))[:100],
                "week": _week(proc.get("week")),
                "is_mandatory": mandatory if isinstance(mandatory, bool) else None,
                "level": _LEVELS.get(level, Procedure.Level.MOUSE),
                "source": Source.IMPRESS,
            },
        )
        counts["procedures"] += 1
        for order, param in enumerate(proc.get("parameters", [])):
            ptype = param.get("type")
            Parameter.objects.update_or_create(
                procedure=procedure,
                key=param["key"],
                defaults={
                    "name": param["key"] if param.get("name") in (None, "unconfirmed") else param["name"],
                    "type": ptype if ptype in Parameter.Type.values else Parameter.Type.SIMPLE,
                    "value_type": _clean(param.get("value_type")),
                    "unit": _clean(param.get("unit")),
                    "required": bool(param.get("required")),
                    "derived": bool(param.get("derived")),
                    "options": param.get("options") or [],
                    "increments": param.get("increments") or [],
                    "version": _clean(param.get("version")),
                    "order": order,
                    "source": Source.IMPRESS,
                },
            )
            counts["parameters"] += 1
    return counts


def impress_load_file(path: Path | str) -> dict[str, int]:
    with open(path, encoding="utf-8") as handle:
        return impress_load(json.load(handle))
