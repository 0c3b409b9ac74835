"""Pre-flight: the DCC's semantic rules (dcc-format.md §5.2) that need the database, checked before packaging.

The XSD catches shape; the DCC's validator then rejects, after the crawl, what these rules catch here first:
experiments with no values at all (an empty `<procedure>`), experiments of a procedure with no IMPReSS definition
in the LIMS, required parameters missing, values that do not cast to the IMPReSS type or are not one of its
options, values typed under an earlier IMPReSS unit, repeated experiments without a distinct sequenceID,
baselines without an MGI strain and mutants without a colony, experiments on specimens the DCC will not know (not
genotyped), and not-performed tests without a procedure status code. Each finding names the record and links to
the page where it is fixed. Any finding fails the export: nothing is sent until they are all fixed.
"""
from collections import defaultdict
from datetime import date, datetime

from django.db.models import Count

from lims.models import Centre
from procedures.dcc import selectors
from procedures.dcc.ledger import Plan
from procedures.dcc.local_rules import SPECIMEN_STATUS_CODES, _known
from procedures.dcc.models import SubmissionRecord
from procedures.models import Experiment, Parameter, ParameterValue, ScheduledTest, Source
from procedures.validation import PARAMETER_STATUS_CODES, dcc_number_problem, is_numeric

Kind = SubmissionRecord.Kind


def _finding(obj, message: str) -> dict[str, str]:
    return {"message": message, "where": str(obj), "url": obj.get_absolute_url()}


def _casts(value: str, value_type: str) -> bool:
    """Whether `value` reads as the IMPReSS value type, as the DCC's Caster reads it.

    Numbers are read by the one number reader and must carry no comma (`dcc_number_problem`): nothing is dropped
    from a number to make it cast (the old `replace(",", "")` passed "20,9" as 209).
    """
    kind = (value_type or "").upper()
    try:
        if kind in ("FLOAT", "INT", "INTEGER"):
            return not dcc_number_problem(kind, value)
        if kind == "DATE":
            date.fromisoformat(value)
        elif kind == "DATETIME":
            datetime.fromisoformat(value)
        elif kind == "BOOL":
            return value.lower() in {"true", "false"}
    except ValueError:
        return False
    return True


#: The elements whose value is checked against the IMPReSS value type (the others carry terms or media).
_VALUE_KINDS = {"simpleParameter", "seriesParameter", "procedureMetadata"}
_KIND_OF_TYPE = {
    Parameter.Type.SIMPLE: "simpleParameter", Parameter.Type.ONTOLOGY: "ontologyParameter",
    Parameter.Type.SERIES: "seriesParameter", Parameter.Type.MEDIA: "mediaParameter",
    Parameter.Type.MEDIA_SAMPLE: "mediaSampleParameter", Parameter.Type.SERIES_MEDIA: "seriesMediaParameter",
    Parameter.Type.METADATA: "procedureMetadata",
}


def _named(parameter) -> str:
    """A parameter in a finding: its name with the key the DCC knows it by ("Equipment ID (IMPC_BWT_003_001)")."""
    name = (parameter.name or "").strip()
    return f"{name} ({parameter.key})" if name and name != parameter.key else parameter.key


def _check_imported(experiment, row, findings: list[dict]) -> None:
    """What an import kept although the DCC's current rules refuse it: a parameter IMPReSS does not define, an
    element of another kind than IMPReSS's type, a legacy (non IMPC_PARAMSC) status code."""
    parameter = row.parameter
    if parameter.source == Source.IMPORT:
        findings.append(_finding(experiment, f"{_named(parameter)} is not an IMPReSS parameter of "
                                             f"{experiment.procedure.key} (registered by an import)."))
    elif parameter.retired:
        findings.append(_finding(experiment, f"{_named(parameter)} is no longer a parameter of "
                                             f"{experiment.procedure.key} in IMPReSS; the DCC refuses it."))
    elif row.kind != _KIND_OF_TYPE.get(parameter.type, row.kind):
        findings.append(_finding(experiment, f"{_named(parameter)} was sent as {row.kind}; IMPReSS says "
                                             f"{parameter.type}."))
    for code in (row.status_code,) if row.status_code else ():
        if not any(code.strip() == known or code.strip().startswith(f"{known}:") for known in PARAMETER_STATUS_CODES):
            findings.append(_finding(experiment, f"{_named(parameter)}: {code!r} is not an IMPC_PARAMSC parameter "
                                                 "status code."))


def _label(procedure) -> str:
    """A procedure as a person reads it: its name and key (only the key when an import named it by its key)."""
    return procedure.key if procedure.name == procedure.key else f"{procedure.name} ({procedure.key})"


def _has_content(row) -> bool:
    return bool(row.value or row.status_code or row.terms or row.media)


def _check_experiments(ids: list[int], findings: list[dict]) -> None:
    if not ids:
        return
    experiments = {e.pk: e for e in Experiment.objects.filter(pk__in=ids).select_related("mouse", "procedure",
                                                                                            "centre")}
    procedure_ids = {e.procedure_id for e in experiments.values()}
    required: dict[int, list[Parameter]] = defaultdict(list)
    defined: set[int] = set()  # procedures with an IMPReSS definition (parameters) in the LIMS
    for parameter in Parameter.objects.filter(procedure__in=procedure_ids, source=Source.IMPRESS):
        defined.add(parameter.procedure_id)
        if parameter.required and not parameter.derived and not parameter.retired:
            required[parameter.procedure_id].append(parameter)
    present: dict[int, set[int]] = defaultdict(set)
    with_content: set[int] = set()
    other_unit: dict[tuple[int, int], list] = {}  # bench values typed under an earlier IMPReSS unit
    values = ParameterValue.objects.filter(experiment_id__in=ids).select_related("parameter")
    for row in values.iterator(chunk_size=5000):
        present[row.experiment_id].add(row.parameter_id)
        if _has_content(row):
            with_content.add(row.experiment_id)
        experiment = experiments[row.experiment_id]
        parameter = row.parameter
        if row.kind:
            # Imported as the file sent it: what today's rules would refuse is said here, before resubmission.
            _check_imported(experiment, row, findings)
            if row.kind not in _VALUE_KINDS or (row.kind == "seriesParameter" and "status" in (row.media or {})):
                continue
        elif parameter.retired:
            continue  # typed before IMPReSS dropped it: kept in the LIMS, not written into the export
        elif row.value and row.unit is not None and row.unit != parameter.unit:
            other_unit.setdefault((row.experiment_id, parameter.pk), []).append(row)
        if row.status_code:
            continue
        if not row.value:
            findings.append(_finding(experiment, f"{_named(parameter)} has neither a value nor a status code."))
        elif not _casts(row.value, parameter.value_type):
            problem = dcc_number_problem(parameter.value_type, row.value) if is_numeric(parameter) else ""
            findings.append(_finding(experiment, f"{_named(parameter)} = {row.value!r} " + (
                f"{problem}." if problem else f"is not a valid {parameter.value_type or 'value'}.")))
        elif parameter.options and row.value not in parameter.options:
            findings.append(_finding(experiment, f"{_named(parameter)} = {row.value!r} is not one of its IMPReSS "
                                                 "options."))
    for (pk, _parameter), rows in other_unit.items():
        parameter = rows[0].parameter
        values = ", ".join(repr(r.value) for r in rows)
        findings.append(_finding(experiments[pk], f"{parameter.name} ({parameter.key}) = {values} was recorded in "
                                                  f"{rows[0].unit or 'no unit'}; IMPReSS now defines "
                                                  f"{parameter.unit or 'no unit'}. Re-enter "
                                                  f"{'it' if len(rows) == 1 else 'them'} in "
                                                  f"{parameter.unit or 'the current unit'} (Edit values)."))
    for pk, experiment in sorted(experiments.items()):
        _check_experiment(experiment, defined=experiment.procedure_id in defined, has_content=pk in with_content,
                          missing=[p for p in required[experiment.procedure_id] if p.pk not in present[pk]],
                          findings=findings)


def _check_experiment(experiment: Experiment, *, defined: bool, has_content: bool, missing: list[Parameter],
                      findings: list[dict]) -> None:
    """What the DCC would refuse of one experiment as a whole: a procedure without a definition, no values, a
    required parameter missing, a mouse without a zygosity."""
    procedure = experiment.procedure
    if procedure.source == Source.IMPORT:
        findings.append(_finding(experiment, f"{_label(procedure)} has no IMPReSS definition in the LIMS: it is "
                                             "not an IMPReSS procedure (registered by an import); the DCC will "
                                             "not take it."))
    elif not defined:
        findings.append(_finding(experiment, f"{_label(procedure)} has no IMPReSS definition in the LIMS (no "
                                             "parameters): its values cannot be checked or sent. Load the "
                                             "IMPReSS definition, or void the experiment."))
    elif not has_content and not experiment.dcc_status_codes:
        findings.append(_finding(experiment, f"{procedure.name} for {experiment.mouse.specimen_id} has no values: "
                                             "the DCC would receive an empty procedure. Enter its values "
                                             "(Edit values), or void it."))
    elif missing:
        findings.append(_finding(experiment, "Required parameters missing: "
                                             + ", ".join(f"{p.name} ({p.key})" for p in missing) + "."))
    if not experiment.mouse.zygosity:
        findings.append(_finding(experiment, f"Specimen {experiment.mouse.specimen_id} has no zygosity yet, so "
                                             "it cannot be sent before its experiment."))


def _check_duplicates(centre: Centre, ids: list[int], findings: list[dict]) -> None:
    """Two experiments of one procedure on one mouse need distinct sequenceIDs (§3.2), or the DCC keeps one."""
    repeated = (
        selectors.exportable_experiment_list(centre=centre)
        .values("mouse_id", "procedure_id", "sequence_id").annotate(n=Count("pk")).filter(n__gt=1)
    )
    keys = {(r["mouse_id"], r["procedure_id"], r["sequence_id"]) for r in repeated}
    if not keys:
        return
    for experiment in Experiment.objects.filter(pk__in=ids).select_related("mouse", "procedure", "centre"):
        if (experiment.mouse_id, experiment.procedure_id, experiment.sequence_id) in keys:
            findings.append(_finding(experiment, f"{experiment.procedure.key} is recorded more than once for "
                                                 f"{experiment.mouse.specimen_id} with the same sequence ID "
                                                 f"({experiment.sequence_id or 'none'})."))


def _check_specimens(ids: list[int], findings: list[dict]) -> None:
    from colonies.models import Mouse

    for mouse in Mouse.objects.filter(pk__in=ids).select_related("strain", "colony"):
        # What the writer sends as strainID: the imported one as given, else the strain's MGI id.
        strain_id = mouse.dcc_strain_id or (mouse.strain.mgi_id if mouse.is_baseline else "")
        if mouse.is_baseline and not strain_id.upper().startswith("MGI:"):
            findings.append(_finding(mouse, f"Baseline {mouse.specimen_id}: strain "
                                            f"{strain_id or mouse.strain} has no MGI id."))
        if not mouse.is_baseline and mouse.colony_id is None:
            findings.append(_finding(mouse, f"Mutant {mouse.specimen_id} belongs to no colony (colonyID)."))
        # Legacy facts an import kept as given (dcc_import reported them as warnings): said again before sending.
        if mouse.is_baseline and mouse.zygosity not in ("", Mouse.Zygosity.WILD_TYPE):
            findings.append(_finding(mouse, f"Baseline {mouse.specimen_id} is recorded {mouse.zygosity}; "
                                            "a baseline control is wild type."))
        if mouse.specimen_status_code and not _known(mouse.specimen_status_code, SPECIMEN_STATUS_CODES):
            findings.append(_finding(mouse, f"Specimen {mouse.specimen_id}: {mouse.specimen_status_code!r} is not "
                                            "an IMPC_SSC specimen status code."))


def _check_not_performed(ids: list[int], findings: list[dict]) -> None:
    for test in ScheduledTest.objects.filter(pk__in=ids).select_related("mouse", "procedure"):
        if not test.status_code.startswith("IMPC_PSC_"):
            findings.append(_finding(test, "Not performed without an IMPC_PSC_* procedure status code."))
        if not test.mouse.zygosity:
            findings.append(_finding(test, f"Specimen {test.mouse.specimen_id} has no zygosity yet."))


def preflight_notes(*, plan: Plan) -> list[dict[str, str]]:
    """What the export sends as recorded but a reviewer should see: values outside their plausible range.

    Not findings: they do not stop the export. Each was confirmed by the person who entered it ("Save anyway"), or
    kept as a DCC file sent it; listed with the record's link so a data wrangler can check them before sending.
    """
    ids = plan.ids(Kind.EXPERIMENT)
    if not ids:
        return []
    notes = []
    values = (ParameterValue.objects.filter(experiment_id__in=ids, out_of_range=True)
              .select_related("parameter", "experiment__mouse", "experiment__procedure", "experiment__centre",
                              "experiment__recorded_by")
              .order_by("experiment_id", "parameter__key", "increment"))
    for row in values.iterator(chunk_size=2000):
        parameter, experiment = row.parameter, row.experiment
        unit = f" {parameter.unit}" if parameter.unit else ""
        how = "imported as the file sent it" if row.kind else (
            f"confirmed by {experiment.recorded_by or 'the person who recorded it'}")
        notes.append(_finding(experiment, f"{_named(parameter)} = {row.value}{unit} is outside the plausible range "
                                          f"({parameter.range_text()}); {how}."))
    return notes


def preflight(*, centre: Centre, plan: Plan) -> list[dict[str, str]]:
    """Return the findings ({message, where, url}) on the records `plan` would send; empty when all is well."""
    findings: list[dict[str, str]] = []
    _check_specimens(plan.ids(Kind.SPECIMEN), findings)
    experiment_ids = plan.ids(Kind.EXPERIMENT)
    _check_experiments(experiment_ids, findings)
    _check_duplicates(centre, experiment_ids, findings)
    _check_not_performed(plan.ids(Kind.NOT_PERFORMED), findings)
    return findings


__all__ = ["preflight", "preflight_notes"]
