"""Drafts of data entry: what a technician typed for a scheduled test, kept until it is submitted for real.

A draft is saved as typed, with no validation beyond making sure it is a flat map of strings: a bench session is
interrupted (a mouse escapes, the scale needs recalibrating) and half-typed or wrong values must survive until the
technician comes back. Validation happens when the experiment is recorded, which deletes the draft
(`procedures.services.experiment_record`).
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from lims.audit import audit_context
from lims.exceptions import Conflict
from procedures.models import ExperimentDraft, ScheduledTest

#: The largest form: Histopathology (IMPC_HIS_003) has 380 parameters, each with a value and a status input.
MAX_FIELDS = 2000
MAX_VALUE_LENGTH = 5000


def _parse(values) -> dict[str, str]:
    """The draft's values as {field name: text}; refuses only what is not a form's worth of strings."""
    if not isinstance(values, dict):
        raise ValidationError({"values": ["A draft is a map of field names to values."]})
    if len(values) > MAX_FIELDS:
        raise ValidationError({"values": [f"A draft holds at most {MAX_FIELDS} fields."]})
    parsed = {}
    for name, value in values.items():
        text = "" if value is None else str(value)
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError({str(name): [f"At most {MAX_VALUE_LENGTH} characters."]})
        parsed[str(name)] = text
    return parsed


@transaction.atomic
def experiment_drafts_save(*, drafts: list[tuple[ScheduledTest, dict]], actor) -> list[ExperimentDraft]:
    """Save (create or replace) the draft of each scheduled test; one per test, the last save wins.

    Raises:
        ValidationError: the values are not a map of strings.
        Conflict: a test is no longer scheduled (recorded or closed meanwhile): its draft would never be used.
    """
    closed = [test for test, _ in drafts if test.status != ScheduledTest.Status.SCHEDULED]
    if closed:
        names = ", ".join(f"{t.procedure.key} for {t.mouse}" for t in closed)
        raise Conflict(f"No draft saved: {names} is no longer scheduled.")
    saved = []
    with audit_context(user=actor.pk, action="procedures.experimentdraft.saved"):
        for test, values in drafts:
            draft, _ = ExperimentDraft.objects.update_or_create(
                scheduled_test=test,
                defaults={"centre_id": test.centre_id, "procedure_id": test.procedure_id, "values": _parse(values),
                          "saved_by": actor},
            )
            saved.append(draft)
    return saved


def experiment_draft_save(*, test: ScheduledTest, values: dict, actor) -> ExperimentDraft:
    """Save the draft of one scheduled test (the single-mouse form)."""
    return experiment_drafts_save(drafts=[(test, values)], actor=actor)[0]


def drafts_for(tests) -> dict[int, ExperimentDraft]:
    """The drafts of these scheduled tests, by test id, in one query."""
    return {d.scheduled_test_id: d for d in ExperimentDraft.objects.filter(scheduled_test__in=[t.pk for t in tests])}
