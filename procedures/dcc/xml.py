"""Write the two DCC documents, specimen and experiment files, as dcc-format.md §3 describes them.

Both writers stream: rows come from `QuerySet.iterator(chunk_size=…)` with their relations joined or prefetched per
chunk, and every element goes straight to disk through `lxml.etree.xmlfile`, so neither memory nor the number of
queries grows with the number of experiments. Element order follows the XSD sequences exactly (the DCC validates
against them before anything else). Which rows to export is decided by `procedures.dcc.selectors`; voided rows are
left out here as well, so a writer can never leak a voided record whatever queryset it is given.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from os import PathLike

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from lxml import etree

from colonies.models import Mouse, PhenotypingAttempt
from procedures.models import Experiment, Parameter, ParameterValue

SPECIMEN_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/specimen"
PROCEDURE_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/procedure"

#: Rows fetched (and prefetched) per round trip: bounds memory, and queries grow by one or two per chunk only.
CHUNK_SIZE = 500

#: The parameter types written, in the order the XSD's `Procedure` sequence requires them.
_SECTION_ORDER = (Parameter.Type.SIMPLE, Parameter.Type.SERIES, Parameter.Type.METADATA)
_INDENT = "  "


@dataclass
class WriteResult:
    """What a writer wrote: the number of records, and the data it could not express in the DCC format."""

    count: int = 0
    problems: list[str] = field(default_factory=list)


class _Document:
    """Qualified names and indentation on top of an incremental writer.

    lxml's `xmlfile` re-declares the namespace on every pre-built element written into it, so every element is
    opened through `xf.element`, which inherits the root's default namespace instead.
    """

    def __init__(self, xf, namespace: str):
        self._xf = xf
        self._ns = namespace

    def _tag(self, name: str) -> str:
        return f"{{{self._ns}}}{name}"

    @contextmanager
    def block(self, name: str, attrib: dict[str, str], depth: int) -> Iterator[None]:
        """An element whose children go on their own, indented lines."""
        self._xf.write("\n" + _INDENT * depth)
        with self._xf.element(self._tag(name), attrib):
            yield
            self._xf.write("\n" + _INDENT * depth)

    @contextmanager
    def line(self, name: str, attrib: dict[str, str], depth: int) -> Iterator[None]:
        """An element written on one line with its children (a parameter and its value)."""
        self._xf.write("\n" + _INDENT * depth)
        with self._xf.element(self._tag(name), attrib):
            yield

    def text_line(self, name: str, text: str, depth: int) -> None:
        """A text-only element on its own line."""
        self._xf.write("\n" + _INDENT * depth)
        self.leaf(name, text)

    def leaf(self, name: str, text: str = "", attrib: dict[str, str] | None = None) -> None:
        """A text-only element, written inline."""
        with self._xf.element(self._tag(name), attrib or {}):
            if text:
                self._xf.write(text)


@contextmanager
def _root(destination: str | PathLike, namespace: str, name: str) -> Iterator[_Document]:
    with etree.xmlfile(str(destination), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{namespace}}}{name}", nsmap={None: namespace}):
            yield _Document(xf, namespace)
            xf.write("\n")


# --- Specimens -------------------------------------------------------------------------------------------------


def _mouse_attributes(mouse: Mouse) -> dict[str, str]:
    """The `Specimen` attributes of one mouse.

    The DCC's semantic validator wants colonyID on mutants and an MGI strainID on baselines (§5.2), so each gets
    only the attribute that identifies it; litterId is required, and the specimen id stands in when none is known.
    """
    centre = mouse.centre
    attrib = {
        "specimenID": mouse.specimen_id,
        "DOB": mouse.date_of_birth.isoformat(),
        "gender": mouse.sex,
        "zygosity": mouse.zygosity,
        "isBaseline": "true" if mouse.is_baseline else "false",
    }
    if mouse.is_baseline:
        if mouse.strain.mgi_id:
            attrib["strainID"] = mouse.strain.mgi_id
    elif mouse.colony is not None:
        # The DCC knows a line by its phenotyping cohort (iMits/GenTaR phenotyping attempt) where there is one.
        attrib["colonyID"] = getattr(mouse, "cohort_name", None) or mouse.colony.name
    attrib.update(
        {
            "litterId": mouse.litter_code or mouse.specimen_id,
            "pipeline": centre.default_pipeline,
            "productionCentre": centre.code,
            "phenotypingCentre": centre.code,
            "project": (mouse.colony.project if mouse.colony is not None else "") or centre.default_project,
        }
    )
    return attrib


def write_specimen_file(destination: str | PathLike, mice: QuerySet[Mouse]) -> WriteResult:
    """Write a `centreSpecimenSet` with one `<centre>` per centre and one `<mouse>` per non-voided mouse.

    The XSD needs at least one mouse per document, so callers do not write a specimen file for an empty queryset.
    """
    cohorts = PhenotypingAttempt.objects.filter(
        parent_colony_id=OuterRef("colony_id"), centre_id=OuterRef("centre_id"), voided_at__isnull=True,
        is_active=True,
    ).order_by("pk")
    rows = (
        mice.filter(voided_at__isnull=True)
        .select_related("centre", "colony", "strain")
        .annotate(cohort_name=Subquery(cohorts.values("colony_name")[:1]))
        .order_by("centre__code", "specimen_id", "pk")
    )
    result = WriteResult()
    with _root(destination, SPECIMEN_NS, "centreSpecimenSet") as doc:
        for centre_code, group in groupby(rows.iterator(chunk_size=CHUNK_SIZE), key=lambda m: m.centre.code):
            with doc.block("centre", {"centreID": centre_code}, depth=1):
                for mouse in group:
                    with doc.line("mouse", _mouse_attributes(mouse), depth=2):
                        pass
                    result.count += 1
    return result


# --- Experiments -----------------------------------------------------------------------------------------------


def _experiment_rows(experiments: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """Join what the XML needs and order by centre block (centre, pipeline, project), then date.

    The DCC project is the colony's, else the centre's default (same rule as the specimen file); computing it in
    SQL lets the database order the rows so that each `<centre>` block is written once, while streaming.
    """
    values = ParameterValue.objects.select_related("parameter").order_by(
        "parameter__order", "parameter__key", "increment", "pk"
    )
    return (
        experiments.filter(voided_at__isnull=True, mouse__voided_at__isnull=True)
        .select_related("centre", "mouse", "procedure__pipeline")
        .annotate(
            dcc_project=Coalesce(NullIf(F("mouse__colony__project"), Value("")), F("centre__default_project"))
        )
        .prefetch_related(Prefetch("values", queryset=values))
        .order_by("centre__code", "procedure__pipeline__key", "dcc_project", "date_of_experiment", "pk")
    )


def _block_key(experiment: Experiment) -> tuple[str, str, str]:
    return experiment.centre.code, experiment.procedure.pipeline.key, experiment.dcc_project


def _write_simple(doc: _Document, parameter: Parameter, rows: list[ParameterValue], depth: int) -> None:
    attrib = {"parameterID": parameter.key}
    if parameter.unit:
        attrib["unit"] = parameter.unit
    for row in rows:
        with doc.line("simpleParameter", attrib, depth):
            if row.value:
                doc.leaf("value", row.value)
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)


def _increment_sort_key(parameter: Parameter):
    """Order increments as IMPReSS lists them, else numerically (the database sorts "120" before "15")."""
    positions = {increment: index for index, increment in enumerate(parameter.increments or [])}

    def key(row: ParameterValue) -> tuple:
        if row.increment in positions:
            return 0, positions[row.increment], 0.0, ""
        try:
            return 1, 0, float(row.increment), ""
        except ValueError:
            return 2, 0, 0.0, row.increment

    return key


def _write_series(doc: _Document, parameter: Parameter, rows: list[ParameterValue], depth: int,
                  problems: list[str], label: str) -> None:
    """One `seriesParameter` per parameter: a `value` per increment, a status without increment for the whole."""
    attrib = {"parameterID": parameter.key}
    if parameter.unit:
        attrib["unit"] = parameter.unit
    overall_status = ""
    with doc.line("seriesParameter", attrib, depth):
        for row in sorted(rows, key=_increment_sort_key(parameter)):
            if not row.increment:
                if row.status_code:
                    overall_status = row.status_code
                else:
                    problems.append(f"{label}: {parameter.key} has a series value without an increment.")
                continue
            value_attrib = {"incrementValue": row.increment}
            if row.status_code:
                value_attrib["incrementStatus"] = row.status_code
            doc.leaf("value", row.value, value_attrib)
        if overall_status:
            doc.leaf("parameterStatus", overall_status)


def _write_metadata(doc: _Document, parameter: Parameter, rows: list[ParameterValue], depth: int) -> None:
    for row in rows:
        # The XSD reverses the order here: parameterStatus comes before value.
        with doc.line("procedureMetadata", {"parameterID": parameter.key}, depth):
            if row.status_code:
                doc.leaf("parameterStatus", row.status_code)
            if row.value:
                doc.leaf("value", row.value)


def _write_procedure(doc: _Document, experiment: Experiment, depth: int, problems: list[str]) -> None:
    """Write `<procedure>` with its parameters grouped by type in XSD order, each group in IMPReSS order."""
    label = f"{experiment.experiment_id} ({experiment.procedure.key}, specimen {experiment.mouse.specimen_id})"
    by_parameter: dict[int, tuple[Parameter, list[ParameterValue]]] = {}
    for row in experiment.values.all():
        by_parameter.setdefault(row.parameter_id, (row.parameter, []))[1].append(row)
    for parameter, _rows in by_parameter.values():
        if parameter.type not in _SECTION_ORDER:
            problems.append(
                f"{label}: {parameter.key} is a {parameter.get_type_display().lower()} parameter, "
                "which the export does not support yet."
            )
    with doc.block("procedure", {"procedureID": experiment.procedure.key}, depth):
        for section in _SECTION_ORDER:
            for parameter, rows in by_parameter.values():
                if parameter.type != section:
                    continue
                if section == Parameter.Type.SIMPLE:
                    _write_simple(doc, parameter, rows, depth + 1)
                elif section == Parameter.Type.SERIES:
                    _write_series(doc, parameter, rows, depth + 1, problems, label)
                else:
                    _write_metadata(doc, parameter, rows, depth + 1)


def write_experiment_file(destination: str | PathLike, experiments: QuerySet[Experiment]) -> WriteResult:
    """Write a `centreProcedureSet`: one `<centre centreID pipeline project>` block per combination, experiments in it.

    The XSD puts pipeline and project on `<centre>`, so experiments of different pipelines or projects (a colony
    of another project, a baseline under the centre's default) go to separate blocks. Data the format cannot hold
    yet (media, ontology parameters) is reported in `WriteResult.problems` rather than silently dropped. The XSD
    needs at least one `<centre>`, so callers do not write an experiment file for an empty queryset.
    """
    result = WriteResult()
    with _root(destination, PROCEDURE_NS, "centreProcedureSet") as doc:
        rows = _experiment_rows(experiments).iterator(chunk_size=CHUNK_SIZE)
        for (centre_code, pipeline, project), group in groupby(rows, key=_block_key):
            with doc.block("centre", {"centreID": centre_code, "pipeline": pipeline, "project": project}, depth=1):
                for experiment in group:
                    attrib = {
                        "experimentID": experiment.experiment_id,
                        "dateOfExperiment": experiment.date_of_experiment.isoformat(),
                    }
                    if experiment.sequence_id:
                        attrib["sequenceID"] = experiment.sequence_id
                    with doc.block("experiment", attrib, depth=2):
                        doc.text_line("specimenID", experiment.mouse.specimen_id, depth=3)
                        _write_procedure(doc, experiment, depth=3, problems=result.problems)
                    result.count += 1
    return result


__all__ = [
    "CHUNK_SIZE",
    "PROCEDURE_NS",
    "SPECIMEN_NS",
    "WriteResult",
    "write_experiment_file",
    "write_specimen_file",
]
