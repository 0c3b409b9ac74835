"""A 96-well genotyping plate recorded in one save: each well holds a mouse's sample and the call the assay gave.

Technicians read a plate as a grid (A1–H12), not one result at a time. The plate is recorded all or nothing: every
well goes through `result_record` (the same rules as one result: the call is the assay's, the centre's rule table
has a zygosity for it, dates, a baseline stays wild type) in its own savepoint, every refused well is reported under
its well name ("C7: ..."), and if any well is refused nothing of the plate is kept, so a re-sent plate never
doubles the wells that had gone through. The plate's name is each result's `batch`.
"""
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import GenotypeResult, GenotypingAssay, Mouse
from colonies.services.common import audited
from colonies.services.genotyping import result_record
from lims.exceptions import DomainError
from lims.roles import can_write

PLATE_ROWS = "ABCDEFGH"
PLATE_COLUMNS = range(1, 13)
#: Wells in the order a plate is loaded: down each column (A1, B1 … H1, A2 …), as multichannel pipettes fill it.
WELLS = [f"{row}{column}" for column in PLATE_COLUMNS for row in PLATE_ROWS]


class PlateNotAllowed(DomainError):
    """The actor's role may not record genotypes."""

    status = 403


@dataclass(frozen=True)
class Well:
    """One filled well: its name (A1–H12), the mouse whose sample is in it, and the assay's call for it."""

    well: str
    mouse: Mouse
    call: str


def _well_errors(wells: list[Well]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen: dict[int, str] = {}
    for well in wells:
        if well.well not in WELLS:
            errors.setdefault(well.well or "well", []).append(
                f"'{well.well}' is not a well of a 96-well plate (A1 to H12).")
        elif well.mouse.pk in seen:
            errors.setdefault(well.well, []).append(
                f"Mouse {well.mouse} is already in well {seen[well.mouse.pk]}; a mouse takes one well per plate.")
        else:
            seen[well.mouse.pk] = well.well
    return errors


@transaction.atomic
def plate_record(*, actor, assay: GenotypingAssay, wells: list[Well], tested_on: dt.date,
                 collected_on: dt.date | None, sample_type: str = "", plate: str = "") -> list[GenotypeResult]:
    """Record every filled well of a plate, all or nothing; return the results in well order.

    Each well's mouse gets a new sample (collected on `collected_on`, of `sample_type`) read by `assay`.

    Raises:
        PlateNotAllowed: the actor's role may not record genotypes (nothing is written).
        ValidationError: keyed by well ("C7": [...]) for refused wells, or by field (`wells`, `assay`,
            `tested_on`, `collected_on`) for what concerns the whole plate; nothing is written.
    """
    if not can_write(actor, "colony"):
        raise PlateNotAllowed("Your role may not record genotypes.")
    if not wells:
        raise ValidationError({"wells": ["Fill at least one well: choose a mouse and a call."]})
    errors = _well_errors(wells)
    if errors:
        raise ValidationError(errors)
    order = {name: index for index, name in enumerate(WELLS)}
    results: list[GenotypeResult] = []
    plate_errors: dict[str, list[str]] = {}
    with audited(actor, "colonies.genotyperesult.plate_recorded", reason=f"Plate {plate}".strip() if plate else ""):
        for well in sorted(wells, key=lambda w: order[w.well]):
            try:
                with transaction.atomic():
                    results.append(result_record(
                        actor=actor, mouse=well.mouse, assay=assay, call=well.call, tested_on=tested_on,
                        collected_on=collected_on, sample_type=sample_type, batch=plate))
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    if key in ("assay", "tested_on", "collected_on"):
                        plate_errors.setdefault(key, [])
                        plate_errors[key] += [m for m in messages if m not in plate_errors[key]]
                    else:
                        errors.setdefault(well.well, []).extend(messages)
    if errors or plate_errors:
        transaction.set_rollback(True)
        raise ValidationError({**plate_errors, **errors})
    return results


__all__ = ["PLATE_COLUMNS", "PLATE_ROWS", "WELLS", "PlateNotAllowed", "Well", "plate_record"]
