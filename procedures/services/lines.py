"""Line-level procedures (fertility, viability): recorded per colony, sent to the DCC as `<line>` elements."""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import Colony
from lims.audit import audit_context
from procedures.models import LineExperiment, LineParameterValue, Procedure
from procedures.services.values import EnteredValue, entered_values_check, range_warnings, warnings_confirm
from procedures.validation import check_procedure_status_code


@transaction.atomic
def line_experiment_record(*, colony: Colony, procedure: Procedure, date_of_experiment: date,
                           values: dict[str, list[EnteredValue]], actor, experimenter: str = "",
                           status_code: str = "", confirm: bool = False) -> LineExperiment:
    """Record a line-level procedure (fertility, viability) of a colony with its values, or nothing.

    With a procedure status code (IMPC_PSC_*) the procedure was not performed and no values are checked, as the
    DCC does for a `<line>` with a statusCode. A value outside its plausible range is a warning to confirm, as for
    a mouse's experiment; the confirmation is the audit reason.

    Raises:
        ValidationError: keyed by parameter key or field, naming what is wrong.
    """
    errors: dict[str, list[str]] = {}
    if procedure.level != Procedure.Level.LINE:
        errors["procedure"] = [f"{procedure.key} is not a line-level procedure; record it per mouse."]
    if colony.centre_id != getattr(actor, "centre_id", colony.centre_id) and not actor.is_superuser:
        errors["colony"] = ["That colony does not belong to your centre."]
    if date_of_experiment > date.today():
        errors["date_of_experiment"] = ["The date of the experiment cannot be in the future."]
    if status_code.strip():
        try:
            status_code = check_procedure_status_code(status_code)
        except ValueError as exc:
            errors["status_code"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    rows = [] if status_code else entered_values_check(procedure, values)
    note = warnings_confirm(range_warnings(rows), confirm=confirm)
    with audit_context(user=actor.pk, action="procedures.lineexperiment.recorded", reason=note):
        experiment = LineExperiment(
            centre_id=colony.centre_id, colony=colony, procedure=procedure, procedure_version=procedure.version,
            date_of_experiment=date_of_experiment, experimenter=experimenter, status_code=status_code,
            recorded_by=actor,
        )
        experiment.full_clean()
        experiment.save()
        LineParameterValue.objects.bulk_create([
            LineParameterValue(line_experiment=experiment, parameter=r.parameter, increment=r.increment,
                               value=r.value, status_code=r.status_code)
            for r in rows
        ])
    return experiment
