"""The experiment file: a `centreProcedureSet` with one `<centre centreID pipeline project>` block per combination.

Experiments stream as tuples (`records.experiment_records`); housing, line experiments and not-performed tests
are few and are held per block until their block is written. Element order follows procedure_definition.xsd.
"""
from itertools import groupby
from os import PathLike

from django.db.models import QuerySet

from procedures.dcc.xml.markup import CHUNK_SIZE, INDENT, PROCEDURE_NS, Document, WriteResult, document, leaf, start_tag
from procedures.dcc.xml.procedure import _write_procedure, _write_status_codes
from procedures.dcc.xml.records import (
    ExperimentRecord,
    _block_key,
    experiment_attrib,
    experiment_records,
    housing_rows,
    line_content,
    line_rows,
    not_performed_content,
    not_performed_rows,
)
from procedures.models import Experiment, Housing, LineExperiment, ScheduledTest


def _write_line(doc: Document, line: LineExperiment, depth: int, problems: list[str]) -> None:
    content = line_content(line)
    with doc.block("line", content["attrib"], depth):
        label = f"line {content['attrib']['colonyID']} ({line.procedure.key}, {line.date_of_experiment})"
        _write_procedure(doc, line.procedure.key, line.values.all(), label, depth + 1, problems)
        _write_status_codes(doc, content["status_codes"], depth + 1)


def _write_experiment(doc: Document, record: ExperimentRecord, depth: int, problems: list[str]) -> None:
    """One `<experiment>`: its opening and specimenID as one string (the export writes 64,000 of them per 10,000
    mice), then its procedure and status codes."""
    indent = "\n" + INDENT * depth
    doc.raw(f"{indent}{start_tag('experiment', experiment_attrib(record))}{indent}{INDENT}"
            f"{leaf('specimenID', record.specimen)}")
    label = f"{record.experiment_id} ({record.procedure_key}, specimen {record.specimen})"
    _write_procedure(doc, record.procedure_key, record.values, label, depth + 1, problems)
    _write_status_codes(doc, record.dcc_status_codes or [], depth + 1)
    doc.raw(f"{indent}</experiment>")


def _write_housing(doc: Document, housing: Housing, depth: int, problems: list[str]) -> None:
    attrib = {"fromLIMS": "true" if housing.from_lims else "false"}
    if housing.last_updated:
        attrib["lastUpdated"] = housing.last_updated.isoformat()
    with doc.block("housing", attrib, depth):
        label = f"housing {housing.procedure.key} ({housing.centre.code})"
        _write_procedure(doc, housing.procedure.key, housing.values.all(), label, depth + 1, problems)


def _write_not_performed(doc: Document, test: ScheduledTest, depth: int) -> None:
    content = not_performed_content(test)
    with doc.block("experiment", content["attrib"], depth):
        doc.text_line("specimenID", content["specimen"], depth + 1)
        doc.text_line("statusCode", content["status_code"], depth + 1)


def write_experiment_file(destination: str | PathLike, experiments: QuerySet[Experiment],
                          not_performed: QuerySet[ScheduledTest] | None = None,
                          lines: QuerySet[LineExperiment] | None = None,
                          housing: QuerySet[Housing] | None = None) -> WriteResult:
    """Write a `centreProcedureSet`: one `<centre centreID pipeline project>` block per combination.

    The XSD puts pipeline and project on `<centre>`, so experiments of different pipelines or projects (a colony
    of another project, a baseline under the centre's default) go to separate blocks. Inside a block the XSD order
    is housing{0,2}, line*, experiment*: housing records first, line experiments, then the experiments, then the
    not-performed tests (experiments carrying only a statusCode). Experiments stream; housing, lines and
    not-performed tests are few and are held per block until their block is written, so each block appears once
    whatever the database's collation. A block holds at most two housing records (XSD): more are reported. Data
    the format cannot hold is reported in `WriteResult.problems` rather than silently dropped. The XSD needs at
    least one `<centre>`, so callers do not write an experiment file with no record.
    """
    result = WriteResult()
    pending: dict[tuple, tuple[list, list, list]] = {}
    for record in housing_rows(housing).iterator(chunk_size=CHUNK_SIZE) if housing is not None else ():
        kept = pending.setdefault(_block_key(record), ([], [], []))[2]
        if len(kept) < 2:
            kept.append(record)
        else:
            result.problems.append(f"housing {record.procedure.key} ({record.centre.code}): a <centre> block holds "
                                   "at most two housing records; not written.")
    for line in line_rows(lines).iterator(chunk_size=CHUNK_SIZE) if lines is not None else ():
        pending.setdefault(_block_key(line), ([], [], []))[0].append(line)
    for test in not_performed_rows(not_performed).iterator(chunk_size=CHUNK_SIZE) if not_performed is not None else ():
        pending.setdefault(_block_key(test), ([], [], []))[1].append(test)

    def write_block(key, experiment_group) -> None:
        centre_code, pipeline, project = key
        block_lines, block_tests, block_housing = pending.pop(key, ([], [], []))
        with doc.block("centre", {"centreID": centre_code, "pipeline": pipeline, "project": project}, depth=1):
            for record in block_housing:
                _write_housing(doc, record, 2, result.problems)
                result.count += 1
            for line in block_lines:
                _write_line(doc, line, 2, result.problems)
                result.count += 1
            for experiment in experiment_group:
                _write_experiment(doc, experiment, 2, result.problems)
                result.count += 1
            for test in block_tests:
                _write_not_performed(doc, test, 2)
                result.count += 1

    with document(destination, PROCEDURE_NS, "centreProcedureSet") as doc:
        for key, group in groupby(experiment_records(experiments), key=lambda record: record.block):
            write_block(key, group)
        for key in list(pending):
            write_block(key, ())
    return result
