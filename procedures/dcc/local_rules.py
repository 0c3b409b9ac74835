"""The DCC's semantic rules (dcc-format.md §5.2) that can be checked on a file alone, with the line of each finding.

The DCC validator also checks things that need its databases (iMits colonies, MGI strain list, IMPReSS, specimens
already submitted); those are left to the importer, which has the LIMS's own reference data. What remains here is
what a centre can fix in its export before sending it: baseline/colony attributes, dates, status codes, duplicate
parameters, empty values, experiments and lines with neither procedure nor status code.

The file is read with `iterparse`, one specimen / experiment / line at a time, so memory does not grow with it;
lxml keeps `sourceline` on streamed elements, which gives each finding its line. Rule names are the DCC
validator's own test names where it has one, so a message can be looked up in its documentation.
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from os import PathLike

from lxml import etree

from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS
from procedures.validation import PARAMETER_STATUS_CODES, PROCEDURE_STATUS_CODES

SPECIMEN_STATUS_CODES = {
    "IMPC_SSC_001": "Genotyping failed",
    "IMPC_SSC_002": "Health Issue (all data to be removed)",
    "IMPC_SSC_003": "Free Text of Issues",
    "IMPC_SSC_004": "LIMS error",
}
_DPC_RE = re.compile(r"^(E)?(\d+\.*\d*)")
_THEILER_RE = re.compile(r"^(TS)?(\d+)([abcd]?)")
_PARAMETER_TAGS = (
    "simpleParameter", "ontologyParameter", "seriesParameter", "mediaParameter", "mediaSampleParameter",
    "seriesMediaParameter", "procedureMetadata",
)


@dataclass(frozen=True)
class Finding:
    """One broken rule: where (line), which rule, and what to change."""

    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: [{self.rule}] {self.message}"


def _known(code: str, codes) -> bool:
    """The DCC accepts a code that starts with a listed one, so free text may follow (`IMPC_PSC_015:flood`)."""
    code = (code or "").strip()
    return any(code == known or code.startswith(f"{known}:") for known in codes)


def _local(element) -> str:
    return etree.QName(element).localname


def _children(element, name: str) -> list:
    return [child for child in element if isinstance(child.tag, str) and _local(child) == name]


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def check_specimen(element, *, today: date | None = None) -> list[Finding]:
    """The rules of one `<mouse>` or `<embryo>` element."""
    today = today or date.today()
    line = element.sourceline or 0
    label = f"specimen {element.get('specimenID')!r}"
    findings: list[Finding] = []
    baseline = (element.get("isBaseline") or "").strip().lower() in ("true", "1")
    if baseline and not (element.get("strainID") or "").strip():
        findings.append(Finding(line, "testNoStrainSpecified", f"{label} is a baseline without strainID."))
    if not baseline and not (element.get("colonyID") or "").strip():
        findings.append(Finding(line, "testNoColonyIDSpecified", f"{label} is a mutant without colonyID."))
    if _local(element) == "mouse":
        try:
            born = date.fromisoformat((element.get("DOB") or "").strip()[:10])
        except ValueError:
            findings.append(Finding(line, "testSpecimenDatesWithinLimits", f"{label} has no valid DOB."))
        else:
            if born > today:
                findings.append(
                    Finding(line, "testSpecimenDatesWithinLimits", f"{label} has a DOB in the future ({born}).")
                )
    else:
        stage, unit = (element.get("stage") or "").strip(), element.get("stageUnit")
        pattern, low, high = (_DPC_RE, 0, 20) if unit == "DPC" else (_THEILER_RE, 1, 26)
        match = pattern.match(stage)
        if not match or not (low <= float(match.group(2)) < high):
            findings.append(Finding(line, "testEmbryoStage", f"{label}: stage {stage!r} is not a valid {unit} stage."))
    for status in _children(element, "statusCode"):
        if not _known(_text(status), SPECIMEN_STATUS_CODES):
            findings.append(Finding(status.sourceline or line, "specimenStatusCode",
                                    f"{label}: {_text(status)!r} is not an IMPC_SSC specimen status code."))
    return findings


def _check_value_or_status(parameter, label: str, findings: list[Finding]) -> None:
    status = _children(parameter, "parameterStatus")
    value = _children(parameter, "value")
    line = parameter.sourceline or 0
    if status:
        if not _known(_text(status[0]), PARAMETER_STATUS_CODES):
            findings.append(Finding(status[0].sourceline or line, "parameterStatusCode",
                                    f"{label}: {_text(status[0])!r} is not an IMPC_PARAMSC parameter status code."))
    elif not value or not _text(value[0]):
        findings.append(Finding(line, "emptyValue", f"{label}: no value and no parameterStatus."))


def check_procedure(procedure, *, where: str) -> list[Finding]:
    """The rules of one `<procedure>` that do not need IMPReSS: duplicates, blanks, values or statuses."""
    findings: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    for parameter in procedure:
        if not isinstance(parameter.tag, str) or _local(parameter) not in _PARAMETER_TAGS:
            continue
        line = parameter.sourceline or 0
        key = parameter.get("parameterID") or ""
        label = f"{where}, {key}"
        if not key.strip() or any(ch.isspace() for ch in key):
            findings.append(Finding(line, "parameterIDWithBlanks", f"{where}: parameterID {key!r} contains blanks."))
        ident = (key, parameter.get("sequenceID") or "")
        if ident in seen:
            findings.append(Finding(line, "checkRepeatedParameters",
                                    f"{label} is repeated (first on line {seen[ident]}); give each a sequenceID."))
        else:
            seen[ident] = line
        kind = _local(parameter)
        if kind in ("simpleParameter", "procedureMetadata"):
            _check_value_or_status(parameter, label, findings)
        elif kind == "seriesParameter":
            values = _children(parameter, "value")
            if not values and not _children(parameter, "parameterStatus"):
                findings.append(Finding(line, "seriesParameterNoValue", f"{label}: a series needs at least one value."))
            for value in values:
                vline = value.sourceline or line
                increment = (value.get("incrementValue") or "").strip()
                status = (value.get("incrementStatus") or "").strip()
                if not increment:
                    findings.append(
                        Finding(vline, "seriesParameterNoValidIncrement", f"{label}: empty incrementValue."))
                if bool(status) == bool(_text(value)):
                    findings.append(Finding(vline, "seriesParameterValueOrStatus",
                                            f"{label} increment {increment!r}: give a value or an incrementStatus, "
                                            "not both and not neither."))
                elif status and not _known(status, PARAMETER_STATUS_CODES):
                    findings.append(Finding(vline, "parameterStatusCode",
                                            f"{label}: {status!r} is not an IMPC_PARAMSC parameter status code."))
        elif kind == "ontologyParameter":
            if not any(_text(term) for term in _children(parameter, "term")):
                findings.append(Finding(line, "ontologyParameterNoTerm", f"{label}: no ontology term."))
    return findings


def _check_procedure_status_codes(element, label: str) -> list[Finding]:
    return [
        Finding(status.sourceline or 0, "procedureStatusCode",
                f"{label}: {_text(status)!r} is not an IMPC_PSC procedure status code.")
        for status in _children(element, "statusCode")
        if not _known(_text(status), PROCEDURE_STATUS_CODES)
    ]


def check_experiment(element, *, today: date | None = None) -> list[Finding]:
    """The rules of one `<experiment>` element."""
    today = today or date.today()
    line = element.sourceline or 0
    label = f"experiment {element.get('experimentID')!r}"
    findings: list[Finding] = []
    try:
        performed = date.fromisoformat((element.get("dateOfExperiment") or "").strip()[:10])
        if performed > today:
            findings.append(Finding(line, "dateOfExperimentInFuture", f"{label} is dated in the future ({performed})."))
    except ValueError:
        findings.append(Finding(line, "dateOfExperimentNull", f"{label} has no valid dateOfExperiment."))
    procedures = _children(element, "procedure")
    statuses = _children(element, "statusCode")
    if not procedures and not statuses:
        findings.append(Finding(line, "nullStatusCodenullProcedures",
                                f"{label} has neither a procedure nor a statusCode."))
    findings += _check_procedure_status_codes(element, label)
    if procedures and not statuses:
        findings += check_procedure(procedures[0], where=label)
    return findings


def check_line(element) -> list[Finding]:
    """The rules of one `<line>` (line-level procedure of a colony)."""
    label = f"line {element.get('colonyID')!r}"
    findings = _check_procedure_status_codes(element, label)
    procedures = _children(element, "procedure")
    statuses = _children(element, "statusCode")
    if not procedures and not statuses:
        findings.append(Finding(element.sourceline or 0, "lineNullStatusCodenullProcedures",
                                f"{label} has neither a procedure nor a statusCode."))
    if procedures and not statuses:
        findings += check_procedure(procedures[0], where=label)
    return findings


def _release(element) -> None:
    """Free a processed element and the siblings before it: keeps iterparse's memory flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def iter_findings(path: str | PathLike, *, today: date | None = None) -> Iterator[Finding]:
    """Stream the local rules over a specimen or experiment file (already XSD-valid, or at least well-formed)."""
    tags = [f"{{{SPECIMEN_NS}}}mouse", f"{{{SPECIMEN_NS}}}embryo",
            f"{{{PROCEDURE_NS}}}experiment", f"{{{PROCEDURE_NS}}}line"]
    for _event, element in etree.iterparse(str(path), events=("end",), tag=tags, huge_tree=True):
        name = _local(element)
        if name in ("mouse", "embryo"):
            yield from check_specimen(element, today=today)
        elif name == "experiment":
            yield from check_experiment(element, today=today)
        else:
            yield from check_line(element)
        _release(element)


def check_file(path: str | PathLike, *, today: date | None = None) -> list[Finding]:
    return list(iter_findings(path, today=today))


__all__ = ["Finding", "SPECIMEN_STATUS_CODES", "check_experiment", "check_file", "check_line", "check_procedure",
           "check_specimen", "iter_findings"]
