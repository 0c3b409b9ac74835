"""Read DCC specimen and experiment files into the LIMS, as a centre moving its historical data in would.

Each document is first checked as the DCC crawler checks it (well-formed, a DCC root, XSD): a document that fails
is refused whole, with the reasons, because nothing in it can be trusted to mean what it says. A valid document is
then streamed with `iterparse`, one specimen / experiment / line at a time, and every record goes through the
project's services (`mouse_create`, `colony_create`, `experiment_record`, `line_experiment_record`), so the same
validation and audit apply as for data typed in by hand. What cannot be mapped (a centre, colony, strain,
procedure or parameter the LIMS does not know, a value a service refuses) is reported with file:line and reason,
never guessed, and the rest of the file still imports: each record has its own savepoint.

Matching rather than duplicating: a mouse is identified by (centre, specimenID) and an experiment by (mouse,
procedure, date, sequenceID), so importing the same file twice creates nothing the second time. A matched mouse
whose DOB or sex differs is a conflict, reported and left as it is.

Specimen documents are imported before experiment documents whatever the order given, like the DCC does, so an
experiment finds the mouse its specimen file brings.
"""
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from lxml import etree

from lims.exceptions import DomainError
from lims.models import Centre, Strain
from procedures.dcc import local_rules
from procedures.dcc.importer.documents import Document, documents, local, messages, root_namespace
from procedures.dcc.importer.experiments import ExperimentHandlers
from procedures.dcc.importer.housing import HousingHandlers
from procedures.dcc.importer.lines import LineHandlers
from procedures.dcc.importer.report import ImportReport, Problem
from procedures.dcc.importer.specimens import UNKNOWN_STRAIN, SpecimenHandlers
from procedures.dcc.importer.values import ELEMENT_TYPES, STORED_TYPES, ValueReader
from procedures.dcc.validation import validate_xml
from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS
from procedures.models import Parameter, Pipeline, Procedure
from procedures.services import pipeline_register_imported, procedure_register_imported

_LINE_RE = re.compile(r"line (\d+): (.*)", re.DOTALL)


class Importer(SpecimenHandlers, ExperimentHandlers, LineHandlers, HousingHandlers, ValueReader):
    """One import run; `run()` reads every document and returns the report. Use `import_files` from outside.

    The per-element handlers live in their own modules (specimens, experiments, lines, housing, values) as mixins;
    this class holds the run, the cached look-ups and the bookkeeping they share.
    """

    def __init__(self, *, actor, centre: Centre | None = None, create_colonies: bool = False,
                 line_date: date | None = None, create_strains: bool = False, create_parameters: bool = False):
        self.actor = actor
        self.create_parameters = create_parameters
        self.centre_override = centre
        self.create_colonies = create_colonies
        self.create_strains = create_strains
        self.line_date = line_date
        self.report = ImportReport()
        self._centres: dict[str, Centre | None] = {}
        self._strains: dict[str, Strain | None] = {}
        self._procedures: dict[tuple[str, str], Procedure | None] = {}
        self._parameters: dict[int, dict[str, Parameter]] = {}

    # --- bookkeeping ---------------------------------------------------------------------------------------------

    def _problem(self, doc: Document, line: int | None, kind: str, item: str, reason: str,
                 outcome: str = "skipped") -> None:
        self.report.problems.append(Problem(doc.label, line or 0, kind, item, reason))
        if outcome:
            self.report.count(kind, outcome)

    def _warning(self, doc: Document, line: int | None, item: str, reason: str) -> None:
        """Something imported as the file says it although today's bench rules would refuse it (kind "warning"):
        said, not counted as unmapped."""
        self._problem(doc, line, "warning", item, reason, outcome="")

    def _matched(self, kind: str, existing, into: list) -> bool:
        """Whether the LIMS holds the record already (re-import): counted as matched, nothing written."""
        if existing is None:
            return False
        self.report.count(kind, "matched")
        into.append(existing.pk)
        return True

    def _create(self, doc: Document, line: int | None, kind: str, item: str, make, into: list):
        """Run one import service (`make`) in a savepoint: count the record created, or say why the LIMS refused
        it (the rest of the file still imports). Returns the record or None."""
        try:
            with transaction.atomic():
                record = make()
        except (ValidationError, DomainError, DatabaseError) as exc:
            self._problem(doc, line, kind, item, f"refused by the LIMS: {messages(exc)}")
            return None
        self.report.count(kind, "created")
        into.append(record.pk)
        return record

    # --- reference look-ups (cached: a file names the same few centres, strains and procedures many times) -----

    def centre(self, code: str) -> Centre | None:
        if self.centre_override is not None:
            return self.centre_override
        if code not in self._centres:
            self._centres[code] = Centre.objects.filter(code__iexact=code).first()
        return self._centres[code]

    def strain(self, strain_id: str) -> Strain | None:
        """Strain by MGI id; legacy files that give the strain name instead are matched by name."""
        strain_id = (strain_id or "").strip()
        if not strain_id:
            return None
        if strain_id not in self._strains:
            self._strains[strain_id] = (
                Strain.objects.filter(mgi_id__iexact=strain_id).order_by("pk").first()
                or Strain.objects.filter(name__iexact=strain_id).first()
            )
        return self._strains[strain_id]

    def procedure(self, key: str, pipeline: str) -> Procedure | None:
        """The procedure in the block's pipeline, else the only procedure of that key in any pipeline."""
        if (key, pipeline) not in self._procedures:
            found = Procedure.objects.select_related("pipeline").filter(key=key, pipeline__key=pipeline).first()
            if found is None:
                candidates = list(Procedure.objects.select_related("pipeline").filter(key=key)[:2])
                found = candidates[0] if len(candidates) == 1 else None
            self._procedures[(key, pipeline)] = found
        return self._procedures[(key, pipeline)]

    def parameters(self, procedure: Procedure) -> dict[str, Parameter]:
        if procedure.pk not in self._parameters:
            self._parameters[procedure.pk] = {p.key: p for p in procedure.parameters.all()}
        return self._parameters[procedure.pk]

    # --- run -----------------------------------------------------------------------------------------------------

    def run(self, docs: list[Document]) -> ImportReport:
        specimen_docs, experiment_docs = [], []
        for doc in docs:
            if doc.refused:
                self.report.refused_files.append(doc.label)
                self.report.problems.append(Problem(doc.label, 0, "file", "refused", doc.refused))
                continue
            errors = validate_xml(doc.path)
            if errors:
                self.report.refused_files.append(doc.label)
                for error in errors:
                    match = _LINE_RE.match(error)
                    line, message = (int(match.group(1)), match.group(2)) if match else (0, error)
                    self.report.problems.append(Problem(doc.label, line, "file", "refused", f"XSD: {message}"))
                continue
            namespace = root_namespace(doc.path)
            (specimen_docs if namespace == SPECIMEN_NS else experiment_docs).append(doc)
        for doc in specimen_docs:
            self._stream(doc, SPECIMEN_NS, ("mouse", "embryo"), self._specimen)
        for doc in experiment_docs:
            self._stream(doc, PROCEDURE_NS, ("experiment", "line", "housing"), self._procedure_element)
        return self.report

    def _stream(self, doc: Document, namespace: str, names: tuple[str, ...], handler) -> None:
        tags = [f"{{{namespace}}}{name}" for name in names]
        for _event, element in etree.iterparse(str(doc.path), events=("end",), tag=tags, huge_tree=True):
            block = element.getparent()
            handler(doc, element, block)
            local_rules._release(element)

    def _procedure_element(self, doc: Document, element, block) -> None:
        name = local(element)
        if name == "housing":
            self._housing(doc, element, block)
        elif name == "line":
            self._line(doc, element, block)
        else:
            self._experiment(doc, element, block)

    def _findings(self, doc: Document, findings, kind: str, item: str) -> None:
        """Local-rule findings: the repeated copies of a parameter are not imported (the DCC refuses them) and stay
        problems; the rest (legacy status codes, empty values…) is history imported as it is, with a warning."""
        for finding in findings:
            if finding.rule == "checkRepeatedParameters":
                self._problem(doc, finding.line, kind, item, f"[{finding.rule}] {finding.message}", outcome="")
            else:
                self._warning(doc, finding.line, item, f"[{finding.rule}] {finding.message}")

    def _resolve_procedure(self, doc: Document, element, block, key: str, level: str, kind: str,
                           item: str) -> Procedure | None:
        """The IMPReSS procedure, or with `create_parameters` one registered for the import in the block's pipeline."""
        pipeline_key = block.get("pipeline") or ""
        procedure = self.procedure(key, pipeline_key)
        if procedure is not None or not self.create_parameters or not key.strip():
            if procedure is None:
                self._problem(doc, element.sourceline, kind, item,
                              f"procedure {key!r} is not in the IMPReSS reference.")
            return procedure
        pipeline = Pipeline.objects.filter(key=pipeline_key).first()
        if pipeline is None:
            pipeline = pipeline_register_imported(key=pipeline_key, actor=self.actor)
            self._warning(doc, element.sourceline, item, f"pipeline {pipeline_key!r} is not in the IMPReSS reference: "
                                                      "registered as imported.")
        procedure = procedure_register_imported(pipeline=pipeline, key=key, level=level, actor=self.actor)
        self._procedures[(key, pipeline_key)] = procedure
        self.report.count("procedure", "registered")
        self._warning(doc, element.sourceline, item, f"procedure {key!r} is not in the IMPReSS reference: registered "
                                                  f"in {pipeline_key} as imported (never scheduled).")
        return procedure


def import_files(paths, *, actor, centre: Centre | None = None, create_colonies: bool = False,
                 dry_run: bool = False, line_date: date | None = None,
                 create_strains: bool = False, create_parameters: bool = False) -> ImportReport:
    """Import DCC files (.xml or .zip); with `dry_run` everything is rolled back and only the report remains.

    `actor` is the user the records are attributed to; `centre` overrides the centreID of every block (a centre
    whose ILAR code differs from the one in old files). `create_colonies` and `create_strains` register the
    colonies and strains (and genes) the files name and the LIMS lacks. With `create_parameters` a pipeline,
    procedure or parameter the IMPReSS reference lacks is registered (flagged as imported, never scheduled) so that
    its values are kept; without it they are reported.
    """
    importer = Importer(actor=actor, centre=centre, create_colonies=create_colonies, line_date=line_date,
                        create_strains=create_strains, create_parameters=create_parameters)
    with documents(paths) as docs, transaction.atomic():
        importer.run(docs)
        if dry_run:
            transaction.set_rollback(True)  # the whole import ran and reported; nothing of it is kept
    return importer.report


__all__ = ["ELEMENT_TYPES", "STORED_TYPES", "UNKNOWN_STRAIN", "Document", "ImportReport", "Importer", "Problem",
           "documents", "import_files", "root_namespace"]
