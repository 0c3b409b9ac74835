"""DCC validation reports written for the tests from the tracker XSDs, around records the LIMS really exported.

The records inside a report are the ones the DCC received: taken from the delivered XML (a `<centre>` block of a
specimen or experiment file is a `CentreSpecimen` / `CentreProcedure`), renamed into the report's elements, so
they are valid against the core schemas as the tracker schemas require.

`validation_report_set` covers every element and attribute of `validation_report.xsd` (validationReportSet,
validationReport with start/end/message/phase/status, submission with trackerID/submissionDate, centreProcedure,
centreSpecimen, experiment, procedure, validation); `validation_set` every attribute of `validation.xsd`'s
Validation (message, testID, level, datetime, isActive) and the choice elements a centre's records carry
(centreProcedure, experiment, procedure, simpleParameter, procedureMetadata, centreSpecimen, mouse); the
other choices (line, housing, media and series elements, genotype and the other specimen parts) are read the same
way, as elements naming no record.
"""
import copy

from lxml import etree

REPORT_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/tracker/validation_report"
VALIDATION_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/tracker/validation"
SUBMISSION_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/tracker/submission"
PROCEDURE_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/procedure"
SPECIMEN_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/specimen"
WHEN = "2026-11-02T10:15:00Z"


def renamed(element, namespace: str, name: str):
    """A deep copy of `element` under another name (its children keep theirs). Built anew rather than by setting
    `tag`: lxml would keep serialising the copy under the default namespace the original declared."""
    clone = etree.Element(f"{{{namespace}}}{name}", attrib=dict(element.attrib))
    clone.text = element.text
    for child in element:
        clone.append(copy.deepcopy(child))
    return clone


def centre_block(xml: bytes):
    """The first `<centre>` of a delivered specimen or experiment file."""
    root = etree.fromstring(xml)
    return next(c for c in root if isinstance(c.tag, str))


def first(xml: bytes, namespace: str, name: str):
    return next(etree.fromstring(xml).iter(f"{{{namespace}}}{name}"))


def validation(subject, *, namespace: str, message: str, level: str = "error", test_id: str = "checkTest",
               active: bool = True):
    """A `validation` element (in `namespace`: the report's when nested, the validation one in a validationSet)
    about `subject` (an element of the validation namespace's choice)."""
    element = etree.Element(f"{{{namespace}}}validation", message=message, testID=test_id, level=level,
                            datetime=WHEN, isActive="true" if active else "false")
    element.append(subject)
    return element


def validation_report(*, subjects, validations=(), message: str = "Validation finished",
                      phase: str = "impress_definition", status: str = "done"):
    """A `validationReport` about `subjects` (submission, centreProcedure, centreSpecimen, experiment, procedure,
    in the XSD's order) with nested `validations`."""
    report = etree.Element(f"{{{REPORT_NS}}}validationReport", start="2026-11-02T10:00:00Z", end=WHEN,
                           message=message, phase=phase, status=status)
    for subject in [*subjects, *validations]:
        report.append(subject)
    return report


def submission(centre_blocks, *, kind: str, tracker_id: int = 4711):
    """A tracker `submission` holding `centre_blocks` as its centreProcedure / centreSpecimen elements."""
    element = etree.Element(f"{{{REPORT_NS}}}submission", trackerID=str(tracker_id), submissionDate=WHEN)
    for block in centre_blocks:
        element.append(renamed(block, SUBMISSION_NS, "centreProcedure" if kind == "experiment" else "centreSpecimen"))
    return element


def validation_report_set(*reports) -> bytes:
    root = etree.Element(f"{{{REPORT_NS}}}validationReportSet", nsmap={None: REPORT_NS})
    root.extend(reports)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validation_set(*validations) -> bytes:
    root = etree.Element(f"{{{VALIDATION_NS}}}validationSet", nsmap={None: VALIDATION_NS})
    root.extend(validations)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
