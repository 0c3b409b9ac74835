"""Plausible ranges of numeric parameters: IMPReSS's own where it gives one, else `fixtures/plausible_ranges.json`.

A range is what `Parameter.min_value`/`max_value` hold (migration 0005): a value outside is a warning the technician
confirms, never a refusal (`procedures.services.range_warnings`). The table is keyed by IMPReSS parameter key so it
survives a new IMPReSS definition: a key the database lacks is skipped, and a range is applied only where the
parameter's unit is the table's (a range in mg/dl on a parameter now in mmol/l would flag every value). Each range
names its source (`range_source`); the file says how each range was derived and which parameters have none, and why.

Loaded by `load_reference` and `load_impress` after the IMPReSS definitions, idempotently.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from procedures.models import Parameter, Source

RANGES_FILE = Path(settings.BASE_DIR) / "fixtures" / "plausible_ranges.json"
#: The names IMPReSS gives a parameter's QC range (its `qcMinimum`/`qcMaximum`), as a definition file may carry them.
IMPRESS_MIN_KEYS, IMPRESS_MAX_KEYS = ("qc_min", "qc_minimum", "min_value"), ("qc_max", "qc_maximum", "max_value")


@dataclass(frozen=True)
class PlausibleRange:
    key: str
    unit: str | None  # None: any unit (IMPReSS's own range is in the parameter's unit by definition)
    min_value: float | None
    max_value: float | None
    source: str


@dataclass
class RangesLoaded:
    """What a load did: ranges set or changed, already as given, keys not in the database, units that differ."""

    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unit_mismatch: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"ranges applied": len(self.applied), "ranges unchanged": len(self.unchanged),
                "range keys not in the database": len(self.missing),
                "ranges skipped for another unit": len(self.unit_mismatch)}


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def impress_ranges(impress: dict | None) -> dict[str, PlausibleRange]:
    """IMPReSS's QC minimum/maximum per parameter key, where a definition gives them (impc_001.json gives none)."""
    found: dict[str, PlausibleRange] = {}
    for procedure in (impress or {}).get("procedures", []):
        for parameter in procedure.get("parameters", []):
            low = next((_number(parameter.get(k)) for k in IMPRESS_MIN_KEYS if _number(parameter.get(k)) is not None),
                       None)
            high = next((_number(parameter.get(k)) for k in IMPRESS_MAX_KEYS if _number(parameter.get(k)) is not None),
                        None)
            if low is not None or high is not None:
                found[parameter["key"]] = PlausibleRange(parameter["key"], None, low, high,
                                                         f"IMPReSS QC range ({procedure.get('key', '')})")
    return found


def table_ranges(path: Path | str = RANGES_FILE) -> dict[str, PlausibleRange]:
    """The ranges of the fixture table, by parameter key, each naming its sources."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    found: dict[str, PlausibleRange] = {}
    for row in data["ranges"]:
        source = f"{Path(path).name}: {row['name']} ({', '.join(row['sources'])})"[:300]
        for key in row["keys"]:
            found[key] = PlausibleRange(key, row["unit"], _number(row.get("min")), _number(row.get("max")), source)
    return found


def _same_unit(a: str, b: str) -> bool:
    return a.replace(" ", "").casefold() == b.replace(" ", "").casefold()


@transaction.atomic
def plausible_ranges_load(*, path: Path | str = RANGES_FILE, impress: dict | None = None) -> RangesLoaded:
    """Set every IMPReSS parameter's plausible range from IMPReSS (`impress`, a definition) or else the table.

    Idempotent: a parameter already holding the range is left alone, so a second load writes nothing.
    """
    ranges = {**table_ranges(path), **impress_ranges(impress)}
    loaded = RangesLoaded()
    parameters: dict[str, list[Parameter]] = {}
    for parameter in Parameter.objects.filter(key__in=ranges, source=Source.IMPRESS).order_by("pk"):
        parameters.setdefault(parameter.key, []).append(parameter)
    # The caller's audit context (the load_reference / load_impress command) says who and why.
    for key, plausible in sorted(ranges.items()):
        if key not in parameters:
            loaded.missing.append(key)
            continue
        for parameter in parameters[key]:
            if plausible.unit is not None and not _same_unit(parameter.unit, plausible.unit):
                loaded.unit_mismatch.append(f"{key} ({parameter.unit or 'no unit'}, the range is in {plausible.unit})")
                continue
            wanted = (plausible.min_value, plausible.max_value, plausible.source)
            if (parameter.min_value, parameter.max_value, parameter.range_source) == wanted:
                loaded.unchanged.append(key)
                continue
            parameter.min_value, parameter.max_value, parameter.range_source = wanted
            parameter.save(update_fields=["min_value", "max_value", "range_source"])
            loaded.applied.append(key)
    return loaded


def impress_file_ranges_load(impress_path: Path | str) -> RangesLoaded:
    """The load after an IMPReSS file: its own QC ranges first, the table for the rest."""
    with open(impress_path, encoding="utf-8") as handle:
        return plausible_ranges_load(impress=json.load(handle))
