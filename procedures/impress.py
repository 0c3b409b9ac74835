"""Load IMPReSS definitions (pipeline → procedures → parameters) from the JSON format of the shared IMPC_001 files.

`fixtures/impress_impc_001.json` is `../shared/impress/impc_001.json` as it is: every procedure of IMPC_001 with its
parameters, and the source of every fact. What a source could not confirm is the string "unconfirmed"; it loads as
*unknown* (no unit, no options, no increments, not required, not derived), never as a guess: a technician typing
into a parameter of unknown unit is better than one typing against a wrong unit.

Loading is idempotent and cheap when nothing changed: the parameters of the file are compared with those in the
database in memory, new ones are inserted and changed ones updated in bulk (the audit triggers still see every
row), so a second load writes nothing. A newer definition never changes what was recorded under the older one:

* A parameter IMPReSS no longer lists for a procedure (`"retired"` in the file, or absent from a procedure the file
  defines) is kept, flagged `retired`: its recorded values stay, new records are not offered it, it is not required.
* When a parameter's unit changes (IPG_002 from the 2012 "mmol/l" to "mg/dl"), the values recorded under the old
  unit keep it: their `unit` is set to the old one before the parameter changes (a value with no unit of its own
  follows its parameter's), so the export writes them with the unit they were typed in.
* A parameter that stops being required only stops being demanded; one that becomes required is demanded of new
  records, and the DCC pre-flight lists the older experiments that lack it.
"""
import json
import re
from pathlib import Path

from django.db import transaction

from procedures.models import (
    HousingValue,
    LineParameterValue,
    Parameter,
    ParameterValue,
    Pipeline,
    Procedure,
    Source,
)

UNCONFIRMED = "unconfirmed"
_LEVELS = {"line": Procedure.Level.LINE, "centre": Procedure.Level.CENTRE}
#: The DCC element of a parameter (`xml_element`), for a file that gives it but no `type`.
_TYPE_OF_ELEMENT = {
    "simpleParameter": Parameter.Type.SIMPLE, "ontologyParameter": Parameter.Type.ONTOLOGY,
    "seriesParameter": Parameter.Type.SERIES, "mediaParameter": Parameter.Type.MEDIA,
    "mediaSampleParameter": Parameter.Type.MEDIA_SAMPLE, "seriesMediaParameter": Parameter.Type.SERIES_MEDIA,
    "procedureMetadata": Parameter.Type.METADATA,
}
#: The fields an IMPReSS load sets; anything else (a centre's plausible range) is the centre's and left alone.
LOADED_FIELDS = ("name", "type", "value_type", "unit", "required", "derived", "options", "increments", "version",
                 "order", "source", "retired")
#: The value tables whose rows may follow their parameter's unit (`unit` null).
_VALUE_MODELS = (ParameterValue, LineParameterValue, HousingValue)


def _week(value) -> int | None:
    """IMPReSS gives a week number or 'Unrestricted'; annotated strings ('9 (for the 2012 SOP…)') keep the number."""
    if isinstance(value, int):
        return value
    match = re.match(r"\s*(\d+)", str(value or ""))
    return int(match.group(1)) if match else None


def _clean(value) -> str:
    return "" if value in (None, UNCONFIRMED) else str(value)


def _is_true(value) -> bool:
    """A flag is set only when a source says so: "unconfirmed" (or missing) is not true."""
    return value is True


def _strings(value) -> list[str]:
    """Options or increments: a list of names; "unconfirmed" or a description ("simple repeat …") is none known."""
    return [str(item) for item in value] if isinstance(value, list) else []


def _type(param: dict) -> str:
    if param.get("type") in Parameter.Type.values:
        return param["type"]
    return _TYPE_OF_ELEMENT.get(param.get("xml_element"), Parameter.Type.SIMPLE)


def parameter_fields(param: dict, order: int) -> dict:
    """The model fields of one parameter of the file (see the module docstring for "unconfirmed")."""
    retired = bool(param.get("retired"))
    name = param.get("name")
    return {
        "name": param["key"] if name in (None, "", UNCONFIRMED) else str(name)[:255],
        "type": _type(param),
        "value_type": _clean(param.get("value_type"))[:15],
        "unit": _clean(param.get("unit"))[:100],
        "required": _is_true(param.get("required")) and not retired,
        "derived": _is_true(param.get("derived")),
        "options": _strings(param.get("options")),
        "increments": _strings(param.get("increments")),
        "version": _clean(param.get("version"))[:100],
        "order": order,
        "source": Source.IMPRESS,
        "retired": retired,
    }


def _orders(parameters: list[dict]) -> list[int]:
    """IMPReSS's own order where the file gives it for every parameter (`impress_order`), else the file's order."""
    given = [p.get("impress_order") for p in parameters]
    if parameters and all(isinstance(o, int) for o in given):
        return given
    return list(range(len(parameters)))


def _pin_units(parameter: Parameter, old_unit: str) -> int:
    """Keep `old_unit` on the values recorded while it was the parameter's unit (those with none of their own)."""
    return sum(model.objects.filter(parameter=parameter, unit__isnull=True).update(unit=old_unit)
               for model in _VALUE_MODELS)


def _procedure(pipeline: Pipeline, proc: dict, existing: dict[str, Procedure]) -> Procedure:
    mandatory = proc.get("is_mandatory")
    level = str(proc.get("level") or "mouse").split(" ")[0]
    fields = {
        "name": proc["name"],
        "version": _clean(proc.get("version"))[:100],
        "week": _week(proc.get("week")),
        "is_mandatory": mandatory if isinstance(mandatory, bool) else None,
        "level": _LEVELS.get(level, Procedure.Level.MOUSE),
        "source": Source.IMPRESS,
    }
    procedure = existing.get(proc["key"])
    if procedure is None:
        return Procedure.objects.create(pipeline=pipeline, key=proc["key"], **fields)
    changed = [name for name, value in fields.items() if getattr(procedure, name) != value]
    if changed:
        for name in changed:
            setattr(procedure, name, fields[name])
        procedure.save(update_fields=changed)
    return procedure


@transaction.atomic
def impress_load(data: dict) -> dict[str, int]:
    """Create or update the pipeline, its procedures and parameters; idempotent. Returns counts.

    `procedures` and `parameters` count what the file defines; `parameters created`, `parameters updated`,
    `parameters retired` and `values kept in their unit` what this load changed.
    """
    pipeline, _ = Pipeline.objects.update_or_create(
        key=data["pipeline"]["key"],
        defaults={"name": data["pipeline"]["name"], "version": _clean(data["pipeline"].get("version")),
                  "source": Source.IMPRESS},
    )
    existing_procedures = {p.key: p for p in pipeline.procedures.all()}
    procedures = [(_procedure(pipeline, proc, existing_procedures), proc) for proc in data["procedures"]]
    existing = {(p.procedure_id, p.key): p
                for p in Parameter.objects.filter(procedure__in=[procedure for procedure, _ in procedures])}
    counts = {"procedures": len(procedures), "parameters": 0, "parameters created": 0, "parameters updated": 0,
              "parameters retired": 0, "values kept in their unit": 0}
    new: list[Parameter] = []
    changed: list[Parameter] = []
    changed_fields: set[str] = set()
    for procedure, proc in procedures:
        params = proc.get("parameters") or []
        listed = set()
        for param, order in zip(params, _orders(params), strict=True):
            fields = parameter_fields(param, order)
            listed.add(param["key"])
            counts["parameters"] += 1
            parameter = existing.get((procedure.pk, param["key"]))
            if parameter is None:
                new.append(Parameter(procedure=procedure, key=param["key"], **fields))
                continue
            differs = [name for name, value in fields.items() if getattr(parameter, name) != value]
            if not differs:
                continue
            if "unit" in differs:
                counts["values kept in their unit"] += _pin_units(parameter, parameter.unit)
            if "retired" in differs and fields["retired"]:
                counts["parameters retired"] += 1
            for name in differs:
                setattr(parameter, name, fields[name])
            changed.append(parameter)
            changed_fields.update(differs)
        if params:
            # IMPReSS no longer lists these for the procedure: kept for the values recorded with them.
            for (procedure_id, key), parameter in existing.items():
                if (procedure_id == procedure.pk and key not in listed and parameter.source == Source.IMPRESS
                        and not parameter.retired):
                    parameter.retired, parameter.required = True, False
                    changed.append(parameter)
                    changed_fields.update({"retired", "required"})
                    counts["parameters retired"] += 1
    Parameter.objects.bulk_create(new, batch_size=500)
    if changed:
        Parameter.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)
    counts["parameters created"] = len(new)
    counts["parameters updated"] = len({p.pk for p in changed})
    return counts


def impress_load_file(path: Path | str) -> dict[str, int]:
    with open(path, encoding="utf-8") as handle:
        return impress_load(json.load(handle))
