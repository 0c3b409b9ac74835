"""What the experiment file holds, read from the database: rows, tuples and the content the ledger hashes.

Experiments, the bulk of every export, are read as tuples (`experiment_records`): per chunk of experiments one
`values_list` query for the experiments and one for their values joined with their parameters' order, the
parameters themselves from a dict read once. No model instance is built per value. Not-performed tests, line
experiments and housing records are few; they are read as model instances with their values prefetched. The
`*_content` functions say everything a record's XML says: the ledger hashes exactly that, so a change that would
alter the XML changes the hash and nothing else does.
"""
from collections import defaultdict
from typing import NamedTuple

from django.db import connection
from django.db.models import F, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from procedures.dcc.xml.rows import json_column, raw_chunks
from procedures.dcc.xml.specimens import _cohorts
from procedures.models import (
    Experiment,
    Housing,
    HousingValue,
    LineExperiment,
    LineParameterValue,
    Parameter,
    ParameterValue,
    ScheduledTest,
)


def _experiment_base(experiments: QuerySet[Experiment]) -> QuerySet[Experiment]:
    return (
        experiments.filter(voided_at__isnull=True, mouse__voided_at__isnull=True)
        .annotate(
            dcc_project=Coalesce(NullIf(F("source_project"), Value("")),
                                 NullIf(F("mouse__colony__project"), Value("")), F("centre__default_project")),
            dcc_pipeline=_dcc_pipeline(),
        )
        .order_by("centre__code", "dcc_pipeline", "dcc_project", "date_of_experiment", "pk")
    )


def experiment_rows(experiments: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """Join what the XML needs and order by centre block (centre, pipeline, project), then date.

    The DCC project is the one an imported file gave, else the colony's, else the centre's default (same rule as
    the specimen file); computing it in SQL lets the database order the rows so that each `<centre>` block is
    written once, while streaming. Values come in the imported file's order, else in IMPReSS order.
    """
    return (_experiment_base(experiments).select_related("centre", "mouse", "procedure__pipeline")
            .prefetch_related(Prefetch("values", queryset=_value_rows(ParameterValue))))


def _dcc_pipeline():
    """The pipeline of the record's `<centre>` block: the imported file's, else its procedure's."""
    return Coalesce(NullIf(F("source_pipeline"), Value("")), F("procedure__pipeline__key"))


def _value_rows(model):
    return model.objects.select_related("parameter").order_by(
        F("position").asc(nulls_last=True), "parameter__order", "parameter__key", "increment", "pk"
    )


_experiment_rows = experiment_rows


def not_performed_rows(tests: QuerySet[ScheduledTest]) -> QuerySet[ScheduledTest]:
    """Not-performed scheduled tests as the writer reads them (one `<experiment>` with a statusCode each)."""
    return (
        tests.filter(status=ScheduledTest.Status.NOT_PERFORMED, mouse__voided_at__isnull=True)
        .select_related("centre", "mouse", "procedure__pipeline")
        .annotate(
            dcc_project=Coalesce(NullIf(F("mouse__colony__project"), Value("")), F("centre__default_project"))
        )
        .order_by("centre__code", "procedure__pipeline__key", "dcc_project", "due_date", "pk")
    )


def line_rows(lines: QuerySet[LineExperiment]) -> QuerySet[LineExperiment]:
    """Line-level experiments as the writer reads them (one `<line colonyID>` each)."""
    return (
        lines.filter(voided_at__isnull=True)
        .select_related("centre", "colony", "procedure__pipeline")
        .annotate(
            dcc_project=Coalesce(NullIf(F("source_project"), Value("")), NullIf(F("colony__project"), Value("")),
                                 F("centre__default_project")),
            cohort_name=Subquery(_cohorts("colony_id", "centre_id").values("colony_name")[:1]),
            dcc_pipeline=_dcc_pipeline(),
        )
        .prefetch_related(Prefetch("values", queryset=_value_rows(LineParameterValue)))
        .order_by("centre__code", "dcc_pipeline", "dcc_project", "date_of_experiment", "pk")
    )


def housing_rows(housings: QuerySet[Housing]) -> QuerySet[Housing]:
    """Centre housing records as the writer reads them (one `<housing>` each, at most two per block)."""
    return (
        housings.filter(voided_at__isnull=True)
        .select_related("centre", "procedure__pipeline")
        .annotate(dcc_project=Coalesce(NullIf(F("source_project"), Value("")), F("centre__default_project")),
                  dcc_pipeline=_dcc_pipeline())
        .prefetch_related(Prefetch("values", queryset=_value_rows(HousingValue)))
        .order_by("centre__code", "dcc_pipeline", "dcc_project", "pk")
    )


def _values_content(rows) -> list[tuple]:
    """The values as the writer writes them. A bench value's unit is its parameter's unless it keeps its own (typed
    under an earlier IMPReSS unit, see `procedures.impress`): the unit written, so a hash changes only with the XML.
    Bench values of a parameter IMPReSS has since retired stay in (the writer leaves them out): an experiment sent
    before the retirement is not sent again for it."""
    return [(r.parameter.key, r.parameter.type, _unit_of(r) if not r.kind else r.parameter.unit, r.increment,
             r.value, r.status_code)
            + ((r.kind, r.sequence_id, r.unit, r.terms, r.media) if r.kind else ())
            for r in rows]


def _unit_of(row) -> str:
    """The unit a value was recorded in: its own where it has one (an import's, or an earlier IMPReSS unit it was
    typed under), else its parameter's."""
    return row.parameter.unit if row.unit is None else row.unit


def experiment_attrib(record: "ExperimentRecord") -> dict[str, str]:
    """The attributes of an `<experiment>`: experimentID, dateOfExperiment (with an imported timezone), sequenceID."""
    attrib = {"experimentID": record.experiment_id,
              "dateOfExperiment": record.date_of_experiment.isoformat() + record.dcc_date_timezone}
    if record.sequence_id:
        attrib["sequenceID"] = record.sequence_id
    return attrib


def experiment_content(experiment) -> dict:
    """Everything the experiment file says about one experiment (an `ExperimentRecord`, or an `Experiment` read
    through `experiment_rows`); the ledger hashes exactly this."""
    record = experiment if isinstance(experiment, ExperimentRecord) else ExperimentRecord.from_model(experiment)
    content = {"block": list(record.block), "attrib": experiment_attrib(record), "specimen": record.specimen,
               "procedure": record.procedure_key, "values": _values_content(record.values)}
    if record.dcc_status_codes:
        content["status_codes"] = record.dcc_status_codes
    return content


def not_performed_date(test: ScheduledTest):
    return test.status_changed_at.date() if test.status_changed_at else test.due_date


def not_performed_content(test: ScheduledTest) -> dict:
    """A scheduled test that was not performed: an experiment with only a procedure status code (§3.2)."""
    return {"block": list(_block_key(test)),
            "attrib": {"experimentID": f"{test.centre.code}-NP-{test.pk}",
                       "dateOfExperiment": not_performed_date(test).isoformat()},
            "specimen": test.mouse.specimen_id, "status_code": test.status_code}


def line_content(line: LineExperiment) -> dict:
    attrib = {"colonyID": getattr(line, "cohort_name", None) or line.colony.name}
    if line.sequence_id:
        attrib["sequenceID"] = line.sequence_id
    return {"block": list(_block_key(line)), "attrib": attrib,
            "procedure": line.procedure.key, "values": _values_content(line.values.all()),
            "status_code": line.status_code,
            "status_codes": line.dcc_status_codes or ([[line.status_code, ""]] if line.status_code else [])}


def housing_content(housing: Housing) -> dict:
    """What `_write_housing` writes, for the ledger's hash: a changed value or date sends the record again."""
    return {"block": list(_block_key(housing)), "from_lims": housing.from_lims,
            "last_updated": housing.last_updated.isoformat() if housing.last_updated else "",
            "procedure": housing.procedure.key, "values": _values_content(housing.values.all())}


def _block_key(experiment: Experiment) -> tuple[str, str, str]:
    pipeline = getattr(experiment, "dcc_pipeline", None) or experiment.procedure.pipeline.key
    return experiment.centre.code, pipeline, experiment.dcc_project


#: The XML element of each IMPReSS type, for values entered at the bench (an imported value keeps its own).
_KIND_OF_TYPE = {
    Parameter.Type.SIMPLE: "simpleParameter", Parameter.Type.ONTOLOGY: "ontologyParameter",
    Parameter.Type.SERIES: "seriesParameter", Parameter.Type.MEDIA: "mediaParameter",
    Parameter.Type.MEDIA_SAMPLE: "mediaSampleParameter", Parameter.Type.SERIES_MEDIA: "seriesMediaParameter",
    Parameter.Type.METADATA: "procedureMetadata",
}
#: The XSD's `Procedure` sequence: every element of a kind comes before the next kind.
_KIND_ORDER = ("simpleParameter", "ontologyParameter", "seriesParameter", "mediaParameter", "mediaSampleParameter",
               "seriesMediaParameter", "procedureMetadata")


#: The elements a value typed at the bench is written as (media take a parameter status only).
_BENCH_KINDS = ("simpleParameter", "ontologyParameter", "seriesParameter", "procedureMetadata")
#: The media elements valid with a parameter status alone (a `mediaParameter` needs a URI and a fileType).
_STATUS_ONLY_KINDS = ("seriesMediaParameter", "mediaSampleParameter")


def _kind(row) -> str:
    return row.kind or _KIND_OF_TYPE[row.parameter.type]


# --- Experiments as tuples -------------------------------------------------------------------------------------


class ParameterRow:
    """The fields of an IMPReSS parameter the writer reads, from one query for all parameters."""

    __slots__ = ("key", "type", "unit", "retired", "increments")

    def __init__(self, key, type_, unit, retired, increments):
        self.key, self.type, self.unit, self.retired, self.increments = key, type_, unit, retired, increments

    def get_type_display(self) -> str:
        return Parameter.Type(self.type).label


class ValueRow(NamedTuple):
    """One value as a tuple gives it, with the attribute names of `ParameterValue` (the element writers take
    either). A named tuple: built by `tuple.__new__` in C, half a million times per 10,000-mouse export."""

    parameter: ParameterRow
    parameter_id: int
    kind: str
    increment: str
    value: str
    status_code: str
    sequence_id: str
    unit: str | None
    terms: list | None
    media: dict | None


class ExperimentRecord:
    """One experiment as the writer and the ledger read it: its `<experiment>` attributes, block and values."""

    __slots__ = ("pk", "experiment_id", "date_of_experiment", "dcc_date_timezone", "sequence_id", "specimen",
                 "procedure_key", "dcc_status_codes", "needs_resubmission", "block", "values")

    def __init__(self, pk, experiment_id, date_of_experiment, dcc_date_timezone, sequence_id, specimen,
                 procedure_key, dcc_status_codes, needs_resubmission, block, values):
        self.pk, self.experiment_id, self.date_of_experiment = pk, experiment_id, date_of_experiment
        self.dcc_date_timezone, self.sequence_id, self.specimen = dcc_date_timezone, sequence_id, specimen
        self.procedure_key, self.dcc_status_codes = procedure_key, dcc_status_codes
        self.needs_resubmission, self.block, self.values = needs_resubmission, block, values

    @classmethod
    def from_model(cls, experiment: Experiment) -> "ExperimentRecord":
        return cls(experiment.pk, experiment.experiment_id, experiment.date_of_experiment,
                   experiment.dcc_date_timezone, experiment.sequence_id, experiment.mouse.specimen_id,
                   experiment.procedure.key, experiment.dcc_status_codes, experiment.needs_resubmission,
                   _block_key(experiment), list(experiment.values.all()))


_EXPERIMENT_FIELDS = ("pk", "dcc_experiment_id", "centre__code", "date_of_experiment", "dcc_date_timezone",
                      "sequence_id", "mouse__specimen_id", "procedure__key", "dcc_status_codes",
                      "needs_resubmission", "dcc_pipeline", "dcc_project")


#: Experiments per values query: 2,000 experiments hold ~16,000 values (a few MB), and a 10,000-mouse export runs
#: 33 values queries instead of 129 (each costs its planning and a round trip).
EXPERIMENT_CHUNK = 2000


def _values_sql() -> str:
    """The values of a chunk of experiments in the writer's order (the imported file's order first, else IMPReSS
    order), read through a plain cursor: `= ANY(%s)` binds the chunk as one array instead of 500 placeholders, and
    no ORM converter runs per column (0.5 M values per 10,000 mice). A bench value (no `kind`) never reads its
    terms and media, so they come back NULL for it and are decoded only for imported values."""
    value, parameter = ParameterValue._meta.db_table, Parameter._meta.db_table
    return (f'SELECT v.experiment_id, v.parameter_id, v.kind, v.increment, v.value, v.status_code, v.sequence_id, '
            f'v.unit, CASE WHEN v.kind = \'\' THEN NULL ELSE v.terms END, '
            f'CASE WHEN v.kind = \'\' THEN NULL ELSE v.media END '
            f'FROM {value} v JOIN {parameter} p ON p.id = v.parameter_id WHERE v.experiment_id = ANY(%s) '
            f'ORDER BY v.experiment_id, v.position ASC NULLS LAST, p."order", p.key, v.increment, v.id')


def parameter_rows() -> dict[int, ParameterRow]:
    """Every parameter by id (about 1,200 rows, read once per export)."""
    return {pk: ParameterRow(key, type_, unit, retired, increments) for pk, key, type_, unit, retired, increments
            in Parameter.objects.values_list("pk", "key", "type", "unit", "retired", "increments")}


def experiment_records(experiments: QuerySet[Experiment], parameters: dict | None = None):
    """Yield the experiments as `ExperimentRecord`s in the writer's order, `EXPERIMENT_CHUNK` at a time: one query for
    the experiments (a server-side cursor) and one for the values of each chunk, joined with their parameters'
    order (the imported file's order first, else IMPReSS order)."""
    parameters = parameter_rows() if parameters is None else parameters
    values_sql = _values_sql()
    rows = _experiment_base(experiments).values_list(*_EXPERIMENT_FIELDS)
    for chunk in raw_chunks(rows, EXPERIMENT_CHUNK):
        values = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(values_sql, [[row[0] for row in chunk]])
            fetched = cursor.fetchall()  # one call per chunk: iterating the cursor costs a call per row
        make = ValueRow._make
        for experiment_id, parameter_id, kind, *rest in fetched:
            if kind:  # imported: its terms and media as stored (JSON text from the cursor)
                rest[-2:] = [json_column(stored) for stored in rest[-2:]]
            values[experiment_id].append(make((parameters[parameter_id], parameter_id, kind, *rest)))
        for (pk, dcc_id, centre, on, timezone, sequence, specimen, procedure, codes, resubmit, pipeline,
             project) in chunk:
            yield ExperimentRecord(pk, dcc_id or f"{centre}-EXP-{pk}", on, timezone, sequence, specimen,
                                   procedure, json_column(codes), resubmit, (centre, pipeline, project),
                                   values.pop(pk, []))
