"""The DCC import path: historical data kept as the file says it.

A centre moving its history in brings what its old LIMS accepted: legacy ESLIM status codes, a required parameter
never sent, a value IMPReSS now types otherwise. Refusing those would lose the history; guessing would falsify it.
These functions store what they are given, verbatim and audited under their own action, and leave the judgement to
the caller (the importer reports warnings) and to the export pre-flight. They are never used for bench entry, whose
rules (`procedures.services.values`) stay strict.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from colonies.models import Colony, Mouse
from lims.audit import audit_context
from procedures.models import (
    Experiment,
    Housing,
    HousingValue,
    LineExperiment,
    LineParameterValue,
    Parameter,
    ParameterValue,
    Pipeline,
    Procedure,
    Source,
)
from procedures.services.values import experiment_date_check


@transaction.atomic
def pipeline_register_imported(*, key: str, actor) -> Pipeline:
    """Register a pipeline a DCC file names but the IMPReSS reference lacks (a legacy EUMODIC one), as imported."""
    with audit_context(user=actor.pk if actor else None, action="procedures.pipeline.registered_by_import"):
        pipeline, _ = Pipeline.objects.get_or_create(key=key[:30], defaults={"name": key, "source": Source.IMPORT})
    return pipeline


@transaction.atomic
def procedure_register_imported(*, pipeline: Pipeline, key: str, level: str, actor) -> Procedure:
    """Register a procedure a DCC file names but the IMPReSS reference lacks, flagged `source=import`.

    It gives imported values a home; it is never scheduled (see `mice_enrol`). A later IMPReSS load of the same key
    takes it over (`procedures.impress.impress_load` sets the source back to IMPReSS).
    """
    with audit_context(user=actor.pk if actor else None, action="procedures.procedure.registered_by_import"):
        procedure, _ = Procedure.objects.get_or_create(
            pipeline=pipeline, key=key,
            defaults={"name": key, "level": level, "source": Source.IMPORT, "is_mandatory": False},
        )
    return procedure


@transaction.atomic
def parameter_register_imported(*, procedure: Procedure, key: str, type: str, unit: str = "", actor) -> Parameter:
    """Register a parameter a DCC file sends but the IMPReSS reference lacks, of the type of the element it came in."""
    last = procedure.parameters.order_by("-order").values_list("order", flat=True).first() or 0
    with audit_context(user=actor.pk if actor else None, action="procedures.parameter.registered_by_import"):
        parameter, _ = Parameter.objects.get_or_create(
            procedure=procedure, key=key,
            defaults={"name": key, "type": type, "unit": unit[:100], "source": Source.IMPORT,
                      "order": min(last + 1, 32767)},
        )
    return parameter


def _save_with_values(record, rows: list) -> None:
    """Check and save an imported record, then insert its values (unsaved rows) under it in one statement."""
    record.full_clean()
    record.save()
    values = record.values  # the reverse manager: the value model, and its foreign key back to `record`
    for row in rows:
        setattr(row, values.field.name, record)
    values.model.objects.bulk_create(rows)


@transaction.atomic
def experiment_import(*, mouse: Mouse, procedure: Procedure, date_of_experiment: date, rows: list[ParameterValue],
                      actor, sequence_id: str = "", dcc_experiment_id: str = "", source_project: str = "",
                      source_pipeline: str = "", dcc_status_codes: list | None = None,
                      dcc_date_timezone: str = "") -> Experiment:
    """Store an experiment read from a DCC file with its values as given (unsaved `ParameterValue` rows).

    Unlike `experiment_record`, nothing is refused for being incomplete or outside today's code lists: the caller
    has reported that as warnings. What stays refused is what no record may be: a date in the future or before
    the mouse was born. No scheduled test is claimed: the history was not scheduled by this LIMS.

    Raises:
        ValidationError: the date is impossible for the mouse.
    """
    experiment_date_check(mouse, date_of_experiment)
    for row in rows:
        if row.value and not row.status_code:
            row.out_of_range = row.parameter.is_out_of_range(row.value)
    with audit_context(user=actor.pk, action="procedures.experiment.imported"):
        experiment = Experiment(
            centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, procedure_version=procedure.version,
            date_of_experiment=date_of_experiment, sequence_id=sequence_id[:40], recorded_by=actor,
            dcc_experiment_id=dcc_experiment_id[:255], source_project=source_project[:100],
            source_pipeline=source_pipeline[:30],
            dcc_status_codes=dcc_status_codes or [], dcc_date_timezone=dcc_date_timezone,
        )
        _save_with_values(experiment, rows)
    return experiment


@transaction.atomic
def line_experiment_import(*, colony: Colony, procedure: Procedure, date_of_experiment: date,
                           rows: list[LineParameterValue], actor, sequence_id: str = "", source_project: str = "",
                           source_pipeline: str = "",
                           dcc_status_codes: list | None = None) -> LineExperiment:
    """Store a `<line>` read from a DCC file with its values and status codes as given (see `experiment_import`).

    Raises:
        ValidationError: the colony is not of the actor's centre (an import writes only where its account could).
    """
    if colony.centre_id != getattr(actor, "centre_id", colony.centre_id) and not actor.is_superuser:
        raise ValidationError({"colony": ["That colony does not belong to your centre."]})
    codes = dcc_status_codes or []
    with audit_context(user=actor.pk, action="procedures.lineexperiment.imported"):
        experiment = LineExperiment(
            centre_id=colony.centre_id, colony=colony, procedure=procedure, procedure_version=procedure.version,
            date_of_experiment=date_of_experiment, status_code=(codes[0][0] if codes else "")[:120],
            recorded_by=actor, sequence_id=sequence_id[:40], source_project=source_project[:100],
            source_pipeline=source_pipeline[:30],
            dcc_status_codes=codes,
        )
        _save_with_values(experiment, rows)
    return experiment


@transaction.atomic
def housing_import(*, centre, procedure: Procedure, from_lims: bool, last_updated: date | None,
                   rows: list[HousingValue], actor, source_project: str = "",
                   source_pipeline: str = "") -> Housing:
    """Store a centre's `<housing>` block read from a DCC file, with its values as given.

    Raises:
        ValidationError: the centre is not the actor's.
    """
    if centre.pk != getattr(actor, "centre_id", centre.pk) and not actor.is_superuser:
        raise ValidationError({"centre": ["That is not your centre."]})
    with audit_context(user=actor.pk, action="procedures.housing.imported"):
        housing = Housing(centre=centre, procedure=procedure, from_lims=from_lims, last_updated=last_updated,
                          source_project=source_project[:100], source_pipeline=source_pipeline[:30],
                          recorded_by=actor)
        _save_with_values(housing, rows)
    return housing
