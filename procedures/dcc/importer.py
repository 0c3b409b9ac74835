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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from colonies.models import Colony, Mouse, PhenotypingAttempt
from colonies.services import colony_import, gene_register, mouse_import, strain_register
from lims.exceptions import DomainError
from lims.models import Centre, Strain
from lims.uploads import UploadRefused, ZipLimits, extract_member, open_zip
from procedures.dcc import local_rules
from procedures.dcc.validation import validate_xml
from procedures.dcc.xml import (
    CHROMOSOME_ATTRIBUTES,
    GENOTYPE_ATTRIBUTES,
    PARENTAL_STRAIN_ATTRIBUTES,
    PROCEDURE_NS,
    SPECIMEN_NS,
)
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
from procedures.services import (
    experiment_import,
    housing_import,
    line_experiment_import,
    parameter_register_imported,
    pipeline_register_imported,
    procedure_register_imported,
)
from procedures.validation import dcc_number_problem, is_numeric

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
#: The types the LIMS stores as values: all of them since values keep terms and media (`SentAsFields`).
STORED_TYPES = set(ELEMENT_TYPES.values())
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
    housings: list[int] = field(default_factory=list)

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
        for kind in ("strain", "colony", "mouse", "experiment", "line", "housing", "procedure", "parameter"):
            if kind in self.counts:
                c = self.counts[kind]
                lines.append(f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(c.items())))
        return lines


@dataclass(frozen=True)
class Document:
    """One XML document to read: `label` names it in messages (`x.zip:J.….xml` for a zip entry).

    `refused` is why a file was not read at all (a zip over the size limit or damaged); its `path` is then None.
    """

    label: str
    path: Path | None
    refused: str = ""


#: A DCC zip holds one XML file (dcc-format.md §2); a few hundred is already far beyond any real submission.
ZIP_MAX_MEMBERS = 1000


@contextmanager
def documents(paths) -> Iterator[list[Document]]:
    """Expand the given files into XML documents; a DCC zip gives the `.xml` entries at its root (§2).

    Zip entries are extracted to a temporary directory removed on exit, through `lims.uploads`: the zip's declared
    sizes are checked first (at most LIMS_ZIP_MAX_UNPACKED_MB for the whole zip, a supported compression) and each
    entry is copied in bounded chunks, so a small zip that unpacks to gigabytes is refused before a byte is
    written. A refused zip is one `Document` with its reason. A zip entry in a sub-directory is ignored, as the
    crawler ignores it.
    """
    tmp = None
    result: list[Document] = []
    limits = ZipLimits(max_bytes=settings.LIMS_ZIP_MAX_UNPACKED_MB * 1024 * 1024, max_members=ZIP_MAX_MEMBERS,
                       what="The zip", not_a_zip="The file is not a zip archive.", resave="make the zip again",
                       shrink="Split it into smaller zips, or raise LIMS_ZIP_MAX_UNPACKED_MB.")
    try:
        for raw in paths:
            path = Path(raw)
            if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
                entries = []
                try:
                    archive, infos = open_zip(path, limits)
                    with archive:
                        tmp = tmp or Path(tempfile.mkdtemp(prefix="dcc-import-"))
                        for index, info in enumerate(infos):
                            if "/" in info.filename or not info.filename.lower().endswith(".xml"):
                                continue
                            target = tmp / f"{index}-{info.filename}"
                            extract_member(archive, info, target, limits)
                            entries.append(Document(f"{path}:{info.filename}", target))
                except UploadRefused as exc:
                    result.append(Document(str(path), None, refused=exc.message))
                    continue
                result.extend(entries)
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

    def _warn(self, doc: Document, line: int | None, item: str, reason: str) -> None:
        """Something imported as the file says it although today's bench rules would refuse it (kind "warning")."""
        self.report.problems.append(Problem(doc.label, line or 0, "warning", item, reason))

    def _findings(self, doc: Document, findings, kind: str, item: str) -> None:
        """Local-rule findings: the repeated copies of a parameter are not imported (the DCC refuses them) and stay
        problems; the rest (legacy status codes, empty values…) is history imported as it is, with a warning."""
        for finding in findings:
            if finding.rule == "checkRepeatedParameters":
                self._problem(doc, finding.line, kind, item, f"[{finding.rule}] {finding.message}", outcome="")
            else:
                self._warn(doc, finding.line, item, f"[{finding.rule}] {finding.message}")

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
            self._warn(doc, element.sourceline, item, f"pipeline {pipeline_key!r} is not in the IMPReSS reference: "
                                                      "registered as imported.")
        procedure = procedure_register_imported(pipeline=pipeline, key=key, level=level, actor=self.actor)
        self._procedures[(key, pipeline_key)] = procedure
        self.report.count("procedure", "registered")
        self._warn(doc, element.sourceline, item, f"procedure {key!r} is not in the IMPReSS reference: registered "
                                                  f"in {pipeline_key} as imported (never scheduled).")
        return procedure

    def _values(self, doc: Document, procedure_el, procedure: Procedure, label: str, row_class=ParameterValue) -> list:
        """The parameters of a `<procedure>` as unsaved value rows (`row_class`), kept as the file sends them.

        Each element keeps its kind, attributes, place, value, status, increments, terms and media; a parameter the
        IMPReSS reference lacks is registered with `create_parameters` (else reported and left out), one sent in
        another element than IMPReSS's type is kept as sent with a warning. The repeated copies of a parameter
        (same parameterID and sequenceID) are left out: local_rules reports them.
        """
        known = self.parameters(procedure)
        rows: list = []
        seen: set[tuple[str, str]] = set()
        for child in procedure_el:
            if not isinstance(child.tag, str) or _local(child) not in ELEMENT_TYPES:
                continue
            kind = _local(child)
            key = (child.get("parameterID") or "").strip()
            sequence = (child.get("sequenceID") or "").strip()
            line = child.sourceline
            if (key, sequence) in seen:
                continue
            seen.add((key, sequence))
            parameter = known.get(key)
            xml_type = ELEMENT_TYPES[kind]
            if parameter is None:
                if not self.create_parameters or not key:
                    self._problem(doc, line, "parameter", key,
                                  f"{label}: not a parameter of {procedure.key} in the IMPReSS reference.")
                    continue
                parameter = parameter_register_imported(procedure=procedure, key=key, type=xml_type,
                                                        unit=child.get("unit") or "", actor=self.actor)
                known[key] = parameter
                self.report.count("parameter", "registered")
                self._warn(doc, line, key, f"{label}: not a parameter of {procedure.key} in the IMPReSS reference; "
                                           f"registered as imported ({kind}).")
            elif parameter.type != xml_type:
                self._warn(doc, line, key, f"{label}: sent as {kind}, IMPReSS says {parameter.type}; kept as sent.")
            made = _element_rows(child, kind, row_class, parameter, sequence)
            for row in made:
                row.position = len(rows)
                rows.append(row)
            self.report.counts["parameter"]["mapped"] += 1
        return rows

    def _missing_required(self, doc: Document, line: int, item: str, procedure: Procedure, rows: list,
                          label: str) -> None:
        given = {r.parameter.key for r in rows if r.value or r.status_code or r.terms or r.media}
        missing = [p.key for p in self.parameters(procedure).values()
                   if p.required and not p.derived and p.source == Source.IMPRESS and p.key not in given]
        if missing:
            self._warn(doc, line, item, f"{label}: required parameter(s) {', '.join(sorted(missing))} not sent; "
                                        "imported without them (the export pre-flight reports them).")

    def _check_numbers(self, doc: Document, line: int | None, rows: list, label: str) -> None:
        """The DCC importer's numeric checks, by the one number reader: a value of a FLOAT/INT parameter that the
        bench would refuse or the DCC would misread ("20,9", "21.4 g"), or one outside the plausible range, is kept
        exactly as sent (the round trip writes it back unchanged) and reported as a warning; the export pre-flight
        refuses the first kind and lists the second."""
        for row in rows:
            parameter = row.parameter
            if not row.value or row.status_code or not is_numeric(parameter):
                continue
            where = f"{label}: {parameter.key}" + (f" at {row.increment}" if row.increment else "")
            problem = dcc_number_problem(parameter.value_type, row.value)
            if problem:
                self._warn(doc, line, parameter.key, f"{where} = {row.value!r} {problem}; kept as sent.")
            elif parameter.is_out_of_range(row.value):
                self._warn(doc, line, parameter.key, f"{where} = {row.value} is outside the plausible range "
                                                     f"({parameter.range_text()}); kept and flagged for review.")

    def _procedure_element(self, doc: Document, element, block) -> None:
        name = _local(element)
        if name == "housing":
            self._housing(doc, element, block)
        elif name == "line":
            self._line(doc, element, block)
        else:
            self._experiment(doc, element, block)

    def _experiment(self, doc: Document, element, block) -> None:
        line = element.sourceline
        item = repr(element.get("experimentID"))
        self._findings(doc, local_rules.check_experiment(element), "experiment", item)
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
        statuses = _status_codes(element)
        if not procedures:
            self._problem(doc, line, "experiment", item,
                          f"carries only status code(s) {', '.join(c for c, _ in statuses)}; an Experiment needs a "
                          "procedure.")
            return
        key = procedures[0].get("procedureID") or ""
        procedure = self._resolve_procedure(doc, element, block, key, Procedure.Level.MOUSE, "experiment", item)
        if procedure is None:
            return
        if procedure.level != Procedure.Level.MOUSE:
            self._problem(doc, line, "experiment", item, f"{key} is a {procedure.level}-level procedure.")
            return
        raw_date = (element.get("dateOfExperiment") or "").strip()
        try:
            performed = date.fromisoformat(raw_date[:10])
        except ValueError:
            self._problem(doc, line, "experiment", item, "dateOfExperiment is not a date.")
            return
        timezone = raw_date[10:16]  # xs:date may carry one (Z, +01:00): kept for the export
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
        rows = self._values(doc, procedures[0], procedure, label)
        if not rows and not self.create_parameters and any(
                isinstance(c.tag, str) and _local(c) in ELEMENT_TYPES for c in procedures[0]):
            self._problem(doc, line, "experiment", item,
                          f"none of its parameters of {key} is in the IMPReSS reference; nothing to record.")
            return
        self._missing_required(doc, line, item, procedure, rows, label)
        self._check_numbers(doc, line, rows, label)
        try:
            with transaction.atomic():
                experiment = experiment_import(
                    mouse=mouse, procedure=procedure, date_of_experiment=performed, rows=rows, actor=self.actor,
                    sequence_id=sequence, dcc_experiment_id=element.get("experimentID") or "",
                    source_project=block.get("project") or "",
                    source_pipeline=block.get("pipeline") or "", dcc_status_codes=statuses,
                    dcc_date_timezone=timezone,
                )
        except (ValidationError, DomainError, DatabaseError) as exc:
            self._problem(doc, line, "experiment", item, f"refused by the LIMS: {_messages(exc)}")
            return
        self.report.count("experiment", "created")
        self.report.experiments.append(experiment.pk)

    def _line(self, doc: Document, element, block) -> None:
        line = element.sourceline
        name = (element.get("colonyID") or "").strip()
        item = repr(name)
        self._findings(doc, local_rules.check_line(element), "line", item)
        centre = self.centre(block.get("centreID") or "")
        colony = Colony.objects.filter(name__iexact=name).first()
        if centre is None or colony is None or colony.centre_id != centre.pk:
            self._problem(doc, line, "line", item, f"unknown colonyID {name!r} at centre {block.get('centreID')!r}.")
            return
        procedures = _children(element, "procedure")
        key = procedures[0].get("procedureID") if procedures else ""
        procedure = self._resolve_procedure(doc, element, block, key or "", Procedure.Level.LINE, "line", item)
        if procedure is None:
            return
        performed = self.line_date
        if performed is None:
            # A <line> carries no date; the record needs one: the day it reached the LIMS, said so.
            performed = date.today()
            self._warn(doc, line, item, f"a <line> carries no date: recorded on {performed} (the import date); "
                                        "give --line-date for another.")
        statuses = _status_codes(element)
        sequence = (element.get("sequenceID") or "").strip()[:40]
        existing = LineExperiment.objects.filter(colony=colony, procedure=procedure, date_of_experiment=performed,
                                                 sequence_id=sequence, voided_at__isnull=True).first()
        if existing is not None:
            self.report.count("line", "matched")
            self.report.line_experiments.append(existing.pk)
            return
        label = f"line {name}"
        rows = self._values(doc, procedures[0], procedure, label, LineParameterValue) if procedures else []
        if not statuses:
            self._missing_required(doc, line, item, procedure, rows, label)
        self._check_numbers(doc, line, rows, label)
        try:
            with transaction.atomic():
                record = line_experiment_import(
                    colony=colony, procedure=procedure, date_of_experiment=performed, rows=rows, actor=self.actor,
                    sequence_id=sequence, source_project=block.get("project") or "",
                    source_pipeline=block.get("pipeline") or "", dcc_status_codes=statuses,
                )
        except (ValidationError, DomainError, DatabaseError) as exc:
            self._problem(doc, line, "line", item, f"refused by the LIMS: {_messages(exc)}")
            return
        self.report.count("line", "created")
        self.report.line_experiments.append(record.pk)

    def _housing(self, doc: Document, element, block) -> None:
        """A centre's housing and husbandry block: kept per centre with its values, matched on re-import."""
        line = element.sourceline
        procedure_el = next(iter(_children(element, "procedure")), None)
        key = procedure_el.get("procedureID") if procedure_el is not None else ""
        item = repr(key)
        centre = self.centre(block.get("centreID") or "")
        if centre is None:
            self._problem(doc, line, "housing", item, f"unknown centre {block.get('centreID')!r}.")
            return
        procedure = self._resolve_procedure(doc, element, block, key or "", Procedure.Level.CENTRE, "housing", item)
        if procedure is None:
            return
        self._findings(doc, local_rules.check_procedure(procedure_el, where=f"housing {key}"), "housing", item)
        raw_updated = (element.get("lastUpdated") or "").strip()
        try:
            updated = date.fromisoformat(raw_updated[:10]) if raw_updated else None
        except ValueError:
            self._problem(doc, line, "housing", item, f"lastUpdated {raw_updated!r} is not a date.")
            return
        from_lims = (element.get("fromLIMS") or "").strip().lower() in ("true", "1")
        existing = Housing.objects.filter(centre=centre, procedure=procedure, last_updated=updated,
                                          from_lims=from_lims, voided_at__isnull=True).first()
        if existing is not None:
            self.report.count("housing", "matched")
            self.report.housings.append(existing.pk)
            return
        rows = self._values(doc, procedure_el, procedure, f"housing {key}", HousingValue)
        try:
            with transaction.atomic():
                housing = housing_import(centre=centre, procedure=procedure, from_lims=from_lims,
                                         last_updated=updated, rows=rows, actor=self.actor,
                                         source_project=block.get("project") or "",
                                         source_pipeline=block.get("pipeline") or "")
        except (ValidationError, DomainError, DatabaseError) as exc:
            self._problem(doc, line, "housing", item, f"refused by the LIMS: {_messages(exc)}")
            return
        self.report.count("housing", "created")
        self.report.housings.append(housing.pk)


def _status_codes(element) -> list[list[str]]:
    """The statusCode children of an experiment or line, as [code, date] pairs (date "" when not given)."""
    return [[s.text or "", s.get("date") or ""] for s in _children(element, "statusCode")]


def _metadata(element) -> dict:
    """A procedureMetadata nested in a media element: attributes, status and value as sent (None = absent)."""
    status = next(iter(_children(element, "parameterStatus")), None)
    value = next(iter(_children(element, "value")), None)
    return {"attrib": dict(element.attrib),
            "parameterStatus": None if status is None else (status.text or ""),
            "value": None if value is None else (value.text or "")}


def _association(element) -> dict:
    return {"attrib": dict(element.attrib),
            "dim": [{"attrib": dict(d.attrib), "value": d.text or ""} for d in _children(element, "dim")]}


def _media(element) -> dict:
    """The attributes (but parameterID) and the associations and metadata of a media element or media file."""
    return {"attrib": {k: v for k, v in element.attrib.items() if k != "parameterID"},
            "parameterAssociation": [_association(a) for a in _children(element, "parameterAssociation")],
            "procedureMetadata": [_metadata(m) for m in _children(element, "procedureMetadata")]}


def _element_rows(child, kind: str, row_class, parameter: Parameter, sequence: str) -> list:
    """The rows of one parameter element: one per series (media) value, plus one for the element's own status and
    parameter-level content; an element with nothing in it still gets one row, so that it is written back."""
    status_el = next(iter(_children(child, "parameterStatus")), None)
    status = "" if status_el is None else (status_el.text or "")
    sent_unit = child.get("unit") or ""

    def row(**fields):
        return row_class(parameter=parameter, kind=kind, sequence_id=sequence, unit=sent_unit, **fields)

    if kind in ("simpleParameter", "procedureMetadata"):
        value_el = next(iter(_children(child, "value")), None)
        media = {} if (value_el is not None) == (status_el is None) else {"value": value_el is not None}
        return [row(value="" if value_el is None else (value_el.text or ""), status_code=status, media=media)]
    if kind == "ontologyParameter":
        return [row(terms=[t.text or "" for t in _children(child, "term")], status_code=status)]
    if kind == "mediaParameter":
        return [row(status_code=status, media=_media(child))]
    if kind == "mediaSampleParameter":
        samples = [{"localId": s.get("localId") or "",
                    "mediaSection": [{"localId": sec.get("localId") or "",
                                      "mediaFile": [_media(f) for f in _children(sec, "mediaFile")]}
                                     for sec in _children(s, "mediaSection")]}
                   for s in _children(child, "mediaSample")]
        return [row(status_code=status, media={"mediaSample": samples})]
    rows = []
    for value in _children(child, "value"):
        if kind == "seriesParameter":
            rows.append(row(increment=value.get("incrementValue") or "", value=value.text or "",
                            status_code=value.get("incrementStatus") or ""))
        else:
            media = _media(value)
            increment = media["attrib"].pop("incrementValue", "")
            rows.append(row(increment=increment, media=media))
    metadata = [_metadata(m) for m in _children(child, "procedureMetadata")]
    if status_el is not None or metadata or not rows:
        # The element's own part (status, seriesMedia metadata), or the empty element itself.
        rows.append(row(increment="", status_code=status,
                        media={"procedureMetadata": metadata, "status": status_el is not None}))
    return rows


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
    with documents(paths) as docs:
        with transaction.atomic():
            importer.run(docs)
            if dry_run:
                transaction.set_rollback(True)  # the whole import ran and reported; nothing of it is kept
    return importer.report


__all__ = ["Document", "ImportReport", "Importer", "Problem", "documents", "import_files", "root_namespace"]
