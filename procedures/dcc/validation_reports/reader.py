"""Read a validated report tree into messages, each with the records it names (no database here).

What a message is about is the element the DCC put in it: a `centreSpecimen` (its mice and embryos), a
`centreProcedure` (its experiments), a `submission` (both), an `experiment`, a `mouse`/`embryo`/`specimen`. A
message about a smaller element (a parameter, a genotype, a media file) names no record itself: in a
`validationReport` it is about the report's record; in a `validationSet` it matches no record and is kept as such.
"""
from dataclasses import dataclass, field

from lxml import etree

from procedures.dcc.local_rules import _local
from procedures.dcc.validation_reports.schemas import REPORT_NS

SPECIMEN = "specimen"
EXPERIMENT = "experiment"
OTHER = "other"
_SPECIMEN_ELEMENTS = {"mouse", "embryo", "specimen"}


@dataclass(frozen=True)
class Ref:
    """A record a message names, by the identifiers the report gives."""

    kind: str
    element: str
    line: int
    centre: str = ""
    specimen_id: str = ""
    experiment_id: str = ""
    procedure_key: str = ""


@dataclass
class Message:
    """One message of a report: a `validationReport` or a `validation`, with the records it is about."""

    line: int
    message: str
    refs: list[Ref] = field(default_factory=list)
    element: str = ""
    phase: str = ""
    status: str = ""
    level: str = ""
    test_id: str = ""
    is_active: bool = True
    reported_at: str = ""

    @property
    def rejected(self) -> bool:
        """An active error or fatal message, or a report whose phase failed: the DCC did not take the record."""
        return self.is_active and (self.level in ("error", "fatal") or self.status == "failed")


def _elements(element) -> list:
    return [child for child in element if isinstance(child.tag, str)]


def _experiment_ref(element, centre: str) -> Ref:
    procedure = next((c for c in _elements(element) if _local(c) == "procedure"), None)
    specimen = next((c for c in _elements(element) if _local(c) == "specimenID"), None)
    return Ref(EXPERIMENT, "experiment", element.sourceline, centre,
               specimen_id=(specimen.text or "").strip() if specimen is not None else "",
               experiment_id=(element.get("experimentID") or "").strip(),
               procedure_key=(procedure.get("procedureID") or "").strip() if procedure is not None else "")


def refs_of(element, centre: str = "") -> list[Ref]:
    """The records an element names (recursing through centre blocks and submissions); [] for smaller ones."""
    name = _local(element)
    if name == "submission":
        return [ref for child in _elements(element) for ref in refs_of(child, centre)]
    if name in ("centreSpecimen", "centreProcedure"):
        code = (element.get("centreID") or "").strip()
        return [ref for child in _elements(element) for ref in refs_of(child, code)]
    if name in _SPECIMEN_ELEMENTS:
        return [Ref(SPECIMEN, name, element.sourceline, centre, specimen_id=(element.get("specimenID") or "").strip())]
    if name == "experiment":
        return [_experiment_ref(element, centre)]
    if name in ("line", "housing", "procedure"):
        procedure = element if name == "procedure" else next(
            (c for c in _elements(element) if _local(c) == "procedure"), None)
        key = (procedure.get("procedureID") or "").strip() if procedure is not None else ""
        return [Ref(OTHER, name, element.sourceline, centre, procedure_key=key,
                    specimen_id=(element.get("colonyID") or "").strip())]
    return []


def _validation(element, context: list[Ref], report=None) -> Message:
    """A `validation`: its one choice element says what it is about; without a record, the report's context."""
    subject = next(iter(_elements(element)), None)
    refs = refs_of(subject) if subject is not None else []
    return Message(
        line=element.sourceline, message=element.get("message") or "", refs=refs or context,
        element=_local(subject) if subject is not None else "", level=element.get("level") or "",
        test_id=element.get("testID") or "", is_active=(element.get("isActive") or "true").lower() in ("true", "1"),
        reported_at=element.get("datetime") or "",
        phase=report.get("phase") or "" if report is not None else "",
        status=report.get("status") or "" if report is not None else "",
    )


def _report(element) -> list[Message]:
    """A `validationReport`: its own message about its record(s), then its nested validations."""
    subjects = [c for c in _elements(element) if _local(c) != "validation"]
    experiment = next((s for s in subjects if _local(s) == "experiment"), None)
    if experiment is not None:
        # The one experiment the report is about; a centreProcedure beside it only says whose it is.
        block = next((s for s in subjects if _local(s) == "centreProcedure"), None)
        context = [_experiment_ref(experiment, (block.get("centreID") or "").strip() if block is not None else "")]
    else:
        context = [ref for subject in subjects for ref in refs_of(subject)]
    if any(ref.kind != OTHER for ref in context):
        context = [ref for ref in context if ref.kind != OTHER]
    own = Message(line=element.sourceline, message=element.get("message") or "", refs=context,
                  element=_local(subjects[0]) if subjects else "", phase=element.get("phase") or "",
                  status=element.get("status") or "", reported_at=element.get("end") or element.get("start") or "")
    nested = [_validation(v, context, element) for v in _elements(element) if _local(v) == "validation"]
    return [own, *nested]


def read_messages(tree) -> list[Message]:
    """Every message of a validated report, in document order."""
    root = tree.getroot()
    if etree.QName(root).namespace == REPORT_NS:
        return [message for report in _elements(root) for message in _report(report)]
    return [_validation(v, []) for v in _elements(root)]


__all__ = ["EXPERIMENT", "OTHER", "SPECIMEN", "Message", "Ref", "read_messages", "refs_of"]
