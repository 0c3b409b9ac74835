"""What a technician types for a whole procedure of the IMPReSS definition: a value for every input of its form.

Values come from `lims.bench.scale.value_for` (type, options), so they are what the bench accepts; the helpers add what
that function does not know: free series (lines "increment = value"), ontology term ids, times, and the status code
of a required image parameter.
"""
import datetime as dt
import json
import random
from pathlib import Path

from django.conf import settings

from lims.bench.scale import value_for
from procedures.forms import ExperimentRecordForm, status_only
from procedures.models import Parameter, Procedure

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "impress_impc_001.json"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "impress" / "impc_001.json"
IMAGES_NOT_SENT = "IMPC_PARAMSC_011"  # LIMS not ready yet: the LIMS keeps no image files


def impress_data() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def typed(parameter: Parameter, rng: random.Random, on: dt.date) -> str:
    """One value as typed into the form."""
    if parameter.type == Parameter.Type.ONTOLOGY:
        return "PATO:0000461"
    if (parameter.value_type or "").upper() == "TIME" and not parameter.options:
        return f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"
    return value_for(parameter, rng, on=on)


def form_post(procedure: Procedure, *, on: dt.date | None = None, seed: int = 1, prefix: str = "") -> dict[str, str]:
    """The POST of the record form of `procedure`: every value filled in, every status select sent (empty but for
    required images), as a browser sends the page; `prefix` for a batch block."""
    on = on or dt.date.today()
    rng = random.Random(seed)
    form = ExperimentRecordForm(parameters=list(procedure.parameters.all()))
    data: dict[str, str] = {}
    name = (lambda field: f"{prefix}-{field}") if prefix else (lambda field: field)
    for parameter in form.parameters:
        data[name(f"{parameter.key}__status")] = ""  # a browser sends every select, chosen or not
        if status_only(parameter):
            data[name(f"{parameter.key}__status")] = IMAGES_NOT_SENT
        elif parameter.is_free_series:
            data[name(parameter.key)] = "\n".join(f"{n} = {typed(parameter, rng, on)}" for n in (1, 2, 3))
        else:
            for field, _increment in form._value_names(parameter):
                data[name(field)] = typed(parameter, rng, on)
    return data


def input_names(procedure: Procedure) -> set[str]:
    """The inputs the record form must show for `procedure`, worked out from the definition alone (not the form):
    a value input per parameter (per increment of a listed series) and its status select; for a required image
    parameter (series media) only the status select; nothing for derived, retired or optional media parameters."""
    names = set()
    for parameter in procedure.parameters.all():
        if parameter.derived or parameter.retired:
            continue
        if parameter.type in ("media", "seriesMedia", "mediaSample"):
            if parameter.required and parameter.type != "media":
                names.add(f"{parameter.key}__status")
            continue
        if parameter.type == "series" and parameter.increments:
            names.update(f"{parameter.key}__{n}" for n in range(len(parameter.increments)))
        else:
            names.add(parameter.key)
        names.add(f"{parameter.key}__status")
    return names
