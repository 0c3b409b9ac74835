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
import shutil
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from colonies.models import Colony, Mouse, PhenotypingAttempt
from colonies.services import colony_import, gene_register, mouse_import, strain_register
from lims.audit import audit_context
from lims.exceptions import DomainError
from lims.models import Centre, Strain
from procedures.dcc import local_rules
from procedures.dcc.validation import validate_xml
from procedures.dcc.xml import (
    CHROMOSOME_ATTRIBUTES,
    GENOTYPE_ATTRIBUTES,
    PARENTAL_STRAIN_ATTRIBUTES,
    PROCEDURE_NS,
    SPECIMEN_NS,
)
from procedures.models import Experiment, LineExperiment, Parameter, Procedure
from procedures.services import EnteredValue, experiment_record, line_experiment_record

#: XML element → the IMPReSS parameter type it carries (§3.2).
ELEMENT_TYPES = {
    "simpleParameter": Parameter.Type.SIMPLE,
    "ontologyParameter": Parameter.Type.ONTOLOGY,
    "seriesParameter": Parameter.Type.SERIES,
    "mediaParameter": Parameter.Type.MEDIA,
    "mediaSampleParameter": Parameter.Type.MEDIA_SAMPLE,
    "seriesMediaParameter": Parameter.Type.SERIES_MEDIA,
    "procedureMetadata": Parameter.Type.METADATA,
}
#: The types the LIMS stores as values (ParameterValue has no place for media URIs or ontology terms yet).
STORED_TYPES = {Parameter.Type.SIMPLE, Parameter.Type.SERIES, Parameter.Type.METADATA}
_LINE_RE = re.compile(r"line (\d+): (.*)", re.S)
#: The background strain of a colony created from a file that names none (no strainID, no parentalStrain).
UNKNOWN_STRAIN = "unknown (not given in the DCC file)"


@dataclass
class Problem:
    """Something in a file the import could not take, and why."""

    file: str
    line: int
    kind: str
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind} {self.item}: {self.reason}"


@dataclass
class ImportReport:
    """Counts per kind and outcome (created, matched, skipped, conflict) and every problem met."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    problems: list[Problem] = field(default_factory=list)
    refused_files: list[str] = field(default_factory=list)
    mice: list[int] = field(default_factory=list)
    experiments: list[int] = field(default_factory=list)
    line_experiments: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing refused or left out; warnings (legacy facts kept as given) do not count."""
        return not self.refused_files and all(p.kind == "warning" for p in self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "warning"]

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def summary_lines(self) -> list[str]:
        lines = []
        for kind in ("strain", "colony", "mouse", "experiment", "line", "parameter"):
            if kind in self.counts:
                c = self.counts[kind]
                lines.append(f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(c.items())))
        return lines


@dataclass(frozen=True)
class Document:
    """One XML document to read: `label` names it in messages (`x.zip:J.….xml` for a zip entry)."""

    label: str
    path: Path


@contextmanager
def documents(paths) -> Iterator[list[Document]]:
    """Expand the given files into XML documents; a DCC zip gives the `.xml` entries at its root (§2).

    Zip entries are extracted to a temporary directory removed on exit. A zip entry in a sub-directory is ignored,
    as the crawler ignores it.
    """
    tmp = None
    result: list[Document] = []
    try:
        for raw in paths:
            path = Path(raw)
            if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
                tmp = tmp or Path(tempfile.mkdtemp(prefix="dcc-import-"))
                with zipfile.ZipFile(path) as archive:
                    for index, name in enumerate(archive.namelist()):
                        if "/" in name or not name.lower().endswith(".xml"):
                            continue
                        target = tmp / f"{index}-{name}"
                        with archive.open(name) as source, open(target, "wb") as out:
                            shutil.copyfileobj(source, out)
                        result.append(Document(f"{path}:{name}", target))
            else:
                result.append(Document(str(path), path))
        yield result
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def root_namespace(path: Path) -> str | None:
    """The namespace of the root element, read without parsing the rest (None if not XML)."""
    from lxml import etree

    try:
        for _event, element in etree.iterparse(str(path), events=("start",)):
            return etree.QName(element).namespace
    except etree.XMLSyntaxError:
        return None
    return None


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, DomainError):
        return exc.message
    return str(exc)


def _local(element) -> str:
    from lxml import etree

    return etree.QName(element).localname


def _children(element, name: str) -> list:
    return [c for c in element if isinstance(c.tag, str) and _local(c) == name]


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _attributes(element, names: tuple[str, ...]) -> dict[str, str]:
    """The attributes of `names` the element has, as given (absent ones stay absent)."""
    return {name: element.get(name) for name in names if element.get(name) is not None}


class Importer:
    """One import run; `run()` reads every document and returns the report. Use `import_files` from outside."""

    def __init__(self, *, actor, centre: Centre | None = None, create_colonies: bool = False,
                 line_date: date | None = None, create_strains: bool = False):
        self.actor = actor
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
        from lxml import etree

        tags = [f"{{{namespace}}}{name}" for name in names]
        for _event, element in etree.iterparse(str(doc.path), events=("end",), tag=tags, huge_tree=True):
            block = element.getparent()
            handler(doc, element, block)
            local_rules._release(element)

    # --- specimens -----------------------------------------------------------------------------------------------

    def _specimen(self, doc: Document, element, block) -> None:
        """One `<mouse>` or `<embryo>`: matched by (centre, specimenID), else registered with all the file says.

        Everything of the element is kept (see `Mouse`'s dcc_* fields), so the export writes it back as given;
        legacy facts today's bench rules refuse (a baseline recorded homozygous, a non-IMPC status code) are kept
        and reported as warnings, which the export pre-flight reports again before any new submission.
        """
        specimen_id = (element.get("specimenID") or "").strip()
        line = element.sourceline
        item = repr(specimen_id)
        embryo = _local(element) == "embryo"
        for finding in local_rules.check_specimen(element):
            self._warning(doc, finding.line, item, f"[{finding.rule}] {finding.message}")
        centre_code = block.get("centreID") or ""
        centre = self.centre(centre_code)
        if centre is None:
            self._problem(doc, line, "mouse", item, f"unknown centre {centre_code!r} (no Centre with that ILAR code).")
            return
        dob = None
        if not embryo:
            try:
                dob = date.fromisoformat((element.get("DOB") or "")[:10])
            except ValueError:
                self._problem(doc, line, "mouse", item, f"DOB {element.get('DOB')!r} is not a date.")
                return
        sex = element.get("gender") or ""
        existing = Mouse.objects.filter(centre=centre, specimen_id=specimen_id).first()
        if existing is not None:
            differences = []
            if existing.date_of_birth != dob:
                differences.append(f"DOB {existing.date_of_birth} in the LIMS, {dob} in the file")
            if existing.sex != sex:
                differences.append(f"sex {existing.sex} in the LIMS, {sex} in the file")
            if differences:
                self._problem(doc, line, "mouse", item, "conflict, not overwritten: " + "; ".join(differences) + ".",
                              outcome="conflict")
            else:
                self.report.count("mouse", "matched")
            self.report.mice.append(existing.pk)
            return
        status = next(iter(_children(element, "statusCode")), None)
        try:
            status_date = date.fromisoformat(status.get("date")[:10]) if status is not None and status.get("date") \
                else None
        except ValueError:
            status_date = None
        baseline = (element.get("isBaseline") or "").lower() in ("true", "1")
        strain_id = (element.get("strainID") or "").strip()
        fields = {
            "kind": Mouse.Kind.EMBRYO if embryo else Mouse.Kind.MOUSE,
            "sex": sex, "date_of_birth": dob, "zygosity": element.get("zygosity") or "",
            "stage": (element.get("stage") or "").strip() if embryo else "",
            "stage_unit": (element.get("stageUnit") or "").strip() if embryo else "",
            "is_baseline": baseline, "litter_code": (element.get("litterId") or "")[:60],
            "dcc_colony_id": (element.get("colonyID") or "").strip(), "dcc_strain_id": strain_id,
            "dcc_pipeline": element.get("pipeline") or "", "dcc_project": element.get("project") or "",
            "dcc_production_centre": element.get("productionCentre") or "",
            "dcc_phenotyping_centre": element.get("phenotypingCentre") or "",
            "dcc_related_specimens": [_attributes(r, ("specimenID", "relationship"))
                                      for r in _children(element, "relatedSpecimen")],
            "dcc_genotypes": [_attributes(g, GENOTYPE_ATTRIBUTES) for g in _children(element, "genotype")],
            "dcc_chromosomal_alterations": [
                {"added": [_attributes(c, CHROMOSOME_ATTRIBUTES) for c in _children(a, "chromosomeAdded")],
                 "removed": [_attributes(c, CHROMOSOME_ATTRIBUTES) for c in _children(a, "chromosomeRemoved")]}
                for a in _children(element, "chromosomalAlteration")],
            "dcc_parental_strains": [_attributes(p, PARENTAL_STRAIN_ATTRIBUTES)
                                     for p in _children(element, "parentalStrain")],
            "specimen_status_code": _text(status)[:100], "specimen_status_date": status_date,
        }
        if baseline:
            strain = self._specimen_strain(doc, element, item)
            if strain is None:
                return
            fields.update(strain=strain, colony=None)
        else:
            colony = self._colony(doc, element, centre)
            if colony is None:
                return
            own = self.strain(strain_id) if strain_id else None
            fields.update(colony=colony, strain=own or colony.background_strain)
        try:
            with transaction.atomic():
                mouse, warnings = mouse_import(actor=self.actor, centre=centre, specimen_id=specimen_id, **fields)
        except (ValidationError, DomainError, IntegrityError) as exc:
            self._problem(doc, line, "mouse", item, f"refused by the LIMS: {_messages(exc)}")
            return
        for warning in warnings:
            self._warning(doc, line, item, warning)
        self.report.count("mouse", "created")
        self.report.mice.append(mouse.pk)

    def _warning(self, doc: Document, line: int | None, item: str, reason: str) -> None:
        """A legacy fact kept as the file says it, which the bench would refuse: said, not counted as unmapped."""
        self._problem(doc, line, "warning", item, reason, outcome="")

    def _specimen_strain(self, doc: Document, element, item: str) -> Strain | None:
        """A baseline's strain: its strainID, else its first known parental strain; registered with --create-strains."""
        strain_id = (element.get("strainID") or "").strip()
        candidates = [strain_id] if strain_id else [
            (p.get("MGIStrainID") or "").strip() for p in _children(element, "parentalStrain")]
        candidates = [c for c in candidates if c]
        for candidate in candidates:
            strain = self.strain(candidate)
            if strain is not None:
                return strain
        if candidates and self.create_strains:
            return self._register_strain(candidates[0])
        what = f"strainID {strain_id!r}" if strain_id else "no strainID or parentalStrain"
        self._problem(doc, element.sourceline, "mouse", item,
                      f"{what} matches no strain (MGI id or name); import with --create-strains to register it."
                      if candidates else f"a baseline with {what}.")
        return None

    def _register_strain(self, strain_id: str) -> Strain:
        strain = strain_register(actor=self.actor, strain_id=strain_id)
        self.report.count("strain", "created")
        self._strains[strain_id] = strain
        return strain

    def _colony(self, doc: Document, element, centre: Centre) -> Colony | None:
        """The specimen's colony by colonyID (or phenotyping cohort name); created with --create-colonies.

        A created colony takes its gene from the specimen's first genotype (registering an MGI gene the reference
        lacks) and has none when the file gives no genotype, as legacy files do; its background strain is the
        specimen's strainID or first parental strain (registered with --create-strains), else `UNKNOWN_STRAIN`.
        """
        name = (element.get("colonyID") or "").strip()
        line = element.sourceline
        item = repr(element.get("specimenID"))
        if not name:
            self._problem(doc, line, "mouse", item, "a mutant specimen without colonyID.")
            return None
        colony = Colony.objects.select_related("background_strain").filter(name__iexact=name).first()
        if colony is None:
            cohort = (PhenotypingAttempt.objects.select_related("parent_colony__background_strain")
                      .filter(colony_name__iexact=name, voided_at__isnull=True).first())
            if cohort is not None and cohort.centre_id == centre.pk:
                return cohort.parent_colony
        if colony is not None:
            if colony.centre_id != centre.pk:
                self._problem(doc, line, "mouse", item, f"colony {name!r} belongs to another centre.")
                return None
            return colony
        if not self.create_colonies:
            self._problem(doc, line, "mouse", item,
                          f"unknown colonyID {name!r} (create it first, or import with --create-colonies).")
            return None
        genotype = next((g for g in _children(element, "genotype") if (g.get("MGIGeneId") or "").strip()), None)
        strain_id = (element.get("strainID") or "").strip()  # the background; parental strains only without it
        strain_ids = [strain_id] if strain_id else [
            s for s in ((p.get("MGIStrainID") or "").strip() for p in _children(element, "parentalStrain")) if s]
        strain = next((found for found in (self.strain(s) for s in strain_ids) if found), None)
        if strain is None and strain_ids:
            if not self.create_strains:
                self._problem(doc, line, "colony", repr(name),
                              f"cannot create the colony: strain {strain_ids[0]!r} matches no strain (MGI id or "
                              "name); import with --create-strains to register it.")
                self.report.count("mouse", "skipped")
                return None
            strain = self._register_strain(strain_ids[0])
        if strain is None:  # the file names no strain at all: say so rather than guess one
            strain = self.strain(UNKNOWN_STRAIN) or self._register_strain(UNKNOWN_STRAIN)
        try:
            with transaction.atomic():
                gene = gene_register(actor=self.actor, mgi_id=genotype.get("MGIGeneId"),
                                     symbol=genotype.get("geneSymbol") or "") if genotype is not None else None
                colony = colony_import(
                    actor=self.actor, centre=centre, name=name, gene=gene, background_strain=strain,
                    genotype_status=Colony.GenotypeStatus.CONFIRMED, project=(element.get("project") or "")[:50],
                    mgi_allele_id=(genotype.get("MGIAlleleId") or "")[:40] if genotype is not None else "",
                )
        except (ValidationError, DomainError, IntegrityError) as exc:
            self._problem(doc, line, "colony", repr(name), f"refused by the LIMS: {_messages(exc)}")
            self.report.count("mouse", "skipped")
            return None
        self.report.count("colony", "created")
        return colony

    # --- experiments, lines, housing -----------------------------------------------------------------------------

    def _procedure_element(self, doc: Document, element, block) -> None:
        name = _local(element)
        if name == "housing":
            self._problem(doc, element.sourceline, "housing", "IMPC_HOU_001",
                          "centre-level housing data is not recorded in the LIMS.")
        elif name == "line":
            self._line(doc, element, block)
        else:
            self._experiment(doc, element, block)

    def _values(self, doc: Document, procedure_el, procedure: Procedure, label: str) -> dict[str, list[EnteredValue]]:
        """Map the parameters of a `<procedure>` to entries; report unknown and unsupported ones."""
        known = self.parameters(procedure)
        values: dict[str, list[EnteredValue]] = {}
        for child in procedure_el:
            if not isinstance(child.tag, str) or _local(child) not in ELEMENT_TYPES:
                continue
            key = (child.get("parameterID") or "").strip()
            line = child.sourceline
            parameter = known.get(key)
            xml_type = ELEMENT_TYPES[_local(child)]
            if parameter is None:
                self._problem(doc, line, "parameter", key,
                              f"{label}: not a parameter of {procedure.key} in the IMPReSS reference.")
                continue
            if parameter.type != xml_type:
                self._problem(doc, line, "parameter", key,
                              f"{label}: sent as {_local(child)}, IMPReSS says {parameter.type}.")
                continue
            if xml_type not in STORED_TYPES:
                self._problem(doc, line, "parameter", key,
                              f"{label}: {_local(child)} values (media, ontology terms) are not stored by the LIMS.")
                continue
            entries = values.setdefault(key, [])
            status = _text(next(iter(_children(child, "parameterStatus")), None))
            if xml_type == Parameter.Type.SERIES:
                for value in _children(child, "value"):
                    entries.append(EnteredValue(
                        value=_text(value), increment=(value.get("incrementValue") or "").strip(),
                        status_code=(value.get("incrementStatus") or "").strip(),
                    ))
                if status:
                    entries.append(EnteredValue(status_code=status))
            else:
                entries.append(EnteredValue(value=_text(next(iter(_children(child, "value")), None)),
                                            status_code=status))
        for key, entries in values.items():
            self.report.counts["parameter"]["mapped"] += len(entries)
        return values

    def _experiment(self, doc: Document, element, block) -> None:
        line = element.sourceline
        item = repr(element.get("experimentID"))
        for finding in local_rules.check_experiment(element):
            self._problem(doc, finding.line, "experiment", item, f"[{finding.rule}] {finding.message}", outcome="")
        centre_code = block.get("centreID") or ""
        centre = self.centre(centre_code)
        if centre is None:
            self._problem(doc, line, "experiment", item, f"unknown centre {centre_code!r}.")
            return
        specimens = [_text(s) for s in _children(element, "specimenID")]
        if len(specimens) != 1:
            self._problem(doc, line, "experiment", item,
                          f"names {len(specimens)} specimens; an Experiment belongs to exactly one mouse.")
            return
        mouse = Mouse.objects.filter(centre=centre, specimen_id=specimens[0]).first()
        if mouse is None:
            self._problem(doc, line, "experiment", item,
                          f"specimen {specimens[0]!r} is not in the LIMS (import its specimen file first).")
            return
        procedures = _children(element, "procedure")
        statuses = [_text(s) for s in _children(element, "statusCode")]
        if not procedures:
            self._problem(doc, line, "experiment", item,
                          f"carries only status code(s) {', '.join(statuses)}; an Experiment needs a procedure.")
            return
        key = procedures[0].get("procedureID") or ""
        procedure = self.procedure(key, block.get("pipeline") or "")
        if procedure is None:
            self._problem(doc, line, "experiment", item, f"procedure {key!r} is not in the IMPReSS reference.")
            return
        if procedure.level != Procedure.Level.MOUSE:
            self._problem(doc, line, "experiment", item, f"{key} is a {procedure.level}-level procedure.")
            return
        try:
            performed = date.fromisoformat((element.get("dateOfExperiment") or "")[:10])
        except ValueError:
            self._problem(doc, line, "experiment", item, "dateOfExperiment is not a date.")
            return
        sequence = (element.get("sequenceID") or "").strip()[:40]
        existing = Experiment.objects.filter(
            mouse=mouse, procedure=procedure, date_of_experiment=performed, sequence_id=sequence,
            voided_at__isnull=True,
        ).first()
        if existing is not None:
            self.report.count("experiment", "matched")
            self.report.experiments.append(existing.pk)
            return
        label = f"experiment {element.get('experimentID')}"
        values = self._values(doc, procedures[0], procedure, label)
        if not values:
            self._problem(doc, line, "experiment", item,
                          f"none of its parameters of {key} is in the IMPReSS reference; nothing to record.")
            return
        if statuses:
            self._problem(doc, line, "experiment", item,
                          f"procedure status code(s) {', '.join(statuses)} have no place on an Experiment; "
                          "the values were imported without them.", outcome="")
        try:
            with transaction.atomic():
                experiment = experiment_record(mouse=mouse, procedure=procedure, date_of_experiment=performed,
                                               values=values, actor=self.actor)
                # The file's sequenceID identifies the repeat (weekly weights); keep it rather than the count
                # experiment_record assigns, so that a re-import matches and the export writes it back.
                with audit_context(action="procedures.experiment.imported"):
                    Experiment.objects.filter(pk=experiment.pk).update(sequence_id=sequence)
        except (ValidationError, DomainError, DatabaseError) as exc:
            self._problem(doc, line, "experiment", item, f"refused by the LIMS: {_messages(exc)}")
            return
        self.report.count("experiment", "created")
        self.report.experiments.append(experiment.pk)

    def _line(self, doc: Document, element, block) -> None:
        line = element.sourceline
        name = (element.get("colonyID") or "").strip()
        item = repr(name)
        for finding in local_rules.check_line(element):
            self._problem(doc, finding.line, "line", item, f"[{finding.rule}] {finding.message}", outcome="")
        centre = self.centre(block.get("centreID") or "")
        colony = Colony.objects.filter(name__iexact=name).first()
        if centre is None or colony is None or colony.centre_id != centre.pk:
            self._problem(doc, line, "line", item, f"unknown colonyID {name!r} at centre {block.get('centreID')!r}.")
            return
        procedures = _children(element, "procedure")
        key = procedures[0].get("procedureID") if procedures else ""
        procedure = self.procedure(key, block.get("pipeline") or "")
        if procedure is None:
            self._problem(doc, line, "line", item, f"procedure {key!r} is not in the IMPReSS reference.")
            return
        if self.line_date is None:
            self._problem(doc, line, "line", item, "a <line> carries no date and a LineExperiment needs one; "
                                                   "give --line-date.")
            return
        status = next((_text(s) for s in _children(element, "statusCode")), "")
        values = {} if status else self._values(doc, procedures[0], procedure, f"line {name}")
        existing = LineExperiment.objects.filter(colony=colony, procedure=procedure,
                                                 date_of_experiment=self.line_date, voided_at__isnull=True).first()
        if existing is not None:
            self.report.count("line", "matched")
            self.report.line_experiments.append(existing.pk)
            return
        try:
            with transaction.atomic():
                record = line_experiment_record(colony=colony, procedure=procedure, date_of_experiment=self.line_date,
                                                values=values, actor=self.actor, status_code=status)
        except (ValidationError, DomainError, DatabaseError) as exc:
            self._problem(doc, line, "line", item, f"refused by the LIMS: {_messages(exc)}")
            return
        self.report.count("line", "created")
        self.report.line_experiments.append(record.pk)


def import_files(paths, *, actor, centre: Centre | None = None, create_colonies: bool = False,
                 dry_run: bool = False, line_date: date | None = None,
                 create_strains: bool = False) -> ImportReport:
    """Import DCC files (.xml or .zip); with `dry_run` everything is rolled back and only the report remains.

    `actor` is the user the records are attributed to (experiment_record needs one); `centre` overrides the
    centreID of every block (a centre whose ILAR code differs from the one in old files). `create_colonies` and
    `create_strains` register the colonies and strains (and genes) the files name and the LIMS lacks.
    """
    importer = Importer(actor=actor, centre=centre, create_colonies=create_colonies, line_date=line_date,
                        create_strains=create_strains)
    with documents(paths) as docs:
        with transaction.atomic():
            importer.run(docs)
            if dry_run:
                transaction.set_rollback(True)  # the whole import ran and reported; nothing of it is kept
    return importer.report


__all__ = ["Document", "ImportReport", "Importer", "Problem", "documents", "import_files", "root_namespace"]
