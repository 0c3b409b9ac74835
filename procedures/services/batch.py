"""Recording one procedure for a batch of mice at once: metadata entered once, every mouse valid or nothing saved.

A technician runs grip strength on a cage of mice with one grid and one meter; typing the equipment for each mouse
invites copy mistakes, so the batch page takes the metadata once and this service applies it to every experiment.
Each mouse goes through `procedures.services.experiment_record` (the same rules as the single form) in its own
savepoint, so that every mouse's mistakes are reported together; one refusal rolls back the whole batch.
"""
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from lims.exceptions import DomainError
from lims.forms import service_error_messages
from procedures.models import Experiment, Parameter, ScheduledTest
from procedures.services.record import experiment_record
from procedures.services.values import EnteredValue, ValuesNeedConfirmation

MAX_BATCH = 200
# Fields entered once for the batch besides the metadata parameters: their errors are shown once, at the top.
SHARED_FIELDS = frozenset({"date_of_experiment", "experimenter"})


@dataclass
class BatchRefused(Exception):
    """Why a batch was refused: `shared` errors (metadata, date) once by key, `per_test` errors by test id and key.

    A shared error that only some mice caused (a date before one mouse's birth) names those mice.
    """

    shared: dict[str, list[str]] = field(default_factory=dict)
    per_test: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{len(self.shared)} shared and {len(self.per_test)} per-mouse errors"


def _shared_errors(raised: dict[str, dict[str, list[str]]], total: int) -> dict[str, list[str]]:
    """One message per (key, text); suffixed with the mice concerned unless it applies to every mouse."""
    out: dict[str, list[str]] = {}
    for key, texts in raised.items():
        for text, mice in texts.items():
            out.setdefault(key, []).append(text if len(mice) == total else f"{text} (mice: {', '.join(mice)})")
    return out


@transaction.atomic
def experiments_record_batch(*, tests: list[ScheduledTest], metadata: dict[str, list[EnteredValue]],
                             values: dict[int, dict[str, list[EnteredValue]]], date_of_experiment: date, actor,
                             experimenter: str = "", confirm: bool = False) -> list[Experiment]:
    """Record the experiment of every scheduled test (one procedure), with the same metadata, all or none.

    `metadata` holds the procedure's metadata parameters (applied to every experiment); `values` the measurements
    by scheduled-test id. On success every test is done and its draft deleted (by `experiment_record`). Warnings
    (a value outside its plausible range, a date outside a test's window) are asked about once no mouse is refused:
    `confirm` ("Save anyway") records the batch despite them, each experiment keeping its own.

    Raises:
        ValidationError: no tests, too many, or tests of more than one procedure.
        BatchRefused: at least one mouse was refused; nothing was saved.
        ValuesNeedConfirmation: warnings not confirmed, each naming its mouse (keyed by test id and key); nothing saved.
    """
    if not tests:
        raise ValidationError({"tests": ["Choose at least one mouse."]})
    if len(tests) > MAX_BATCH:
        raise ValidationError({"tests": [f"At most {MAX_BATCH} mice per batch."]})
    if len({t.procedure_id for t in tests}) != 1:
        raise ValidationError({"tests": ["A batch records one procedure: choose tests of the same procedure."]})
    procedure = tests[0].procedure
    metadata_keys = set(procedure.parameters.filter(type=Parameter.Type.METADATA).values_list("key", flat=True))
    stray = sorted(set(metadata) - metadata_keys)
    if stray:
        raise ValidationError({key: [f"{key} is not a metadata parameter of {procedure.key}."] for key in stray})
    shared_keys = metadata_keys | SHARED_FIELDS

    shared: dict[str, dict[str, list[str]]] = {}
    per_test: dict[int, dict[str, list[str]]] = {}
    warnings: list[tuple[str, str]] = []
    experiments = []
    for test in tests:
        entries = {key: rows for key, rows in values.get(test.pk, {}).items() if key not in metadata_keys}
        entries.update(metadata)
        try:
            with transaction.atomic():
                experiments.append(experiment_record(
                    mouse=test.mouse, procedure=procedure, scheduled_test=test, actor=actor,
                    date_of_experiment=date_of_experiment, experimenter=experimenter, values=entries,
                    confirm=confirm,
                ))
        except ValuesNeedConfirmation as exc:
            specimen = test.mouse.specimen_id
            warnings.extend((f"{test.pk}:{key}", message if specimen in message else f"Mouse {specimen}: {message}")
                            for key, message in exc.keyed)
        except (ValidationError, DomainError) as exc:
            for key, texts in service_error_messages(exc).items():
                if key in shared_keys:
                    for text in texts:
                        shared.setdefault(key, {}).setdefault(text, []).append(test.mouse.specimen_id)
                else:
                    per_test.setdefault(test.pk, {}).setdefault(key or NON_FIELD_ERRORS, []).extend(texts)
    if shared or per_test:
        # Raised inside the atomic block: every experiment recorded above is rolled back with it.
        raise BatchRefused(shared=_shared_errors(shared, len(tests)), per_test=per_test)
    if warnings:
        raise ValuesNeedConfirmation(warnings)
    return experiments
