"""The two tracker formats the DCC publishes its validation reports in, and their XSDs.

* `validationReportSet` (`online_schemas_2012/tracker/validation_report.xsd`): one `validationReport` per
  submission with its phase, status and message, the record it is about and nested `validation` messages.
* `validationSet` (`tracker/validation.xsd`): a flat list of `validation` messages, each about one element.

The 2012 schema does not load as the DCC published it (LIMS_DCC_XSD_DIR's README): its imports name URL
schemaLocations, and its tracker schemas import the specimen namespace under an older URI
(`…/sites/mousephenotype.org/files/core/specimen`) than the one `specimen_definition.xsd` declares. We load it
through an lxml resolver that serves the local `core/` schemas for those URLs and reads the tracker schemas with
the old specimen URI replaced by the declared one: nothing is edited on disk, and a report is validated against
exactly the element structure the DCC defined. The compiled schemas are cached per process.
"""
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from lxml import etree

REPORT_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/tracker/validation_report"
VALIDATION_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/tracker/validation"
SPECIMEN_NS = "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/specimen"
_OLD_SPECIMEN_NS = "http://www.mousephenotype.org/sites/mousephenotype.org/files/core/specimen"
_REMOTE = {
    "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/common/common.xsd": "core/common.xsd",
    "http://www.mousephenotype.org/dcc/exportlibrary/datastructure/core/procedure/procedure_definition.xsd":
        "core/procedure_definition.xsd",
    f"{_OLD_SPECIMEN_NS}/specimen_definition.xsd": "core/specimen_definition.xsd",
    f"{SPECIMEN_NS}/specimen_definition.xsd": "core/specimen_definition.xsd",
}
#: Root element namespace → (root element, schema file under LIMS_DCC_XSD_DIR).
FORMATS = {
    REPORT_NS: ("validationReportSet", "online_schemas_2012/tracker/validation_report.xsd"),
    VALIDATION_NS: ("validationSet", "tracker/validation.xsd"),
}
MAX_ERRORS = 100


class _Resolver(etree.Resolver):
    """Serves the 2012 schemas' URL imports from the local copies, and the 2012 tracker schemas with the specimen
    namespace their core schema declares."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = root

    def resolve(self, url, pubid, context):
        if url in _REMOTE:
            return self.resolve_filename(str(self.root / _REMOTE[url]), context)
        path = Path(url.removeprefix("file://"))
        if "online_schemas_2012" in path.parts and path.exists():
            return self.resolve_string(path.read_text().replace(_OLD_SPECIMEN_NS, SPECIMEN_NS), context,
                                       base_url=str(path))
        return None


@lru_cache(maxsize=4)
def _compiled(root: str, relative: str) -> etree.XMLSchema:
    path = Path(root) / relative
    parser = etree.XMLParser()
    parser.resolvers.add(_Resolver(Path(root)))
    text = path.read_text().replace(_OLD_SPECIMEN_NS, SPECIMEN_NS)
    return etree.XMLSchema(etree.fromstring(text.encode(), parser, base_url=str(path)))


def schema_for(namespace: str) -> etree.XMLSchema:
    """The compiled schema of a report format, by its root namespace (KeyError: not a report format)."""
    return _compiled(str(Path(settings.LIMS_DCC_XSD_DIR)), FORMATS[namespace][1])


def _format_errors(errors) -> list[str]:
    lines = [f"line {e.line}: {e.message.replace(f'{{{REPORT_NS}}}', '').replace(f'{{{VALIDATION_NS}}}', '')}"
             for e in errors]
    if len(lines) > MAX_ERRORS:
        lines = lines[:MAX_ERRORS] + [f"… and {len(lines) - MAX_ERRORS} more errors"]
    return lines


def parse_report(path: str | Path) -> tuple[etree._ElementTree | None, list[str]]:
    """Parse and XSD-validate a report; return (tree, []) or (None, ["line N: why", …]).

    A file that is not well-formed, or whose root is neither `validationReportSet` nor `validationSet` in its
    tracker namespace, is refused the same way, with its line.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        return None, _format_errors(parser.error_log) or [f"line {exc.lineno}: {exc.msg}"]
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace not in FORMATS or FORMATS[qname.namespace][0] != qname.localname:
        return None, [(f"line {root.sourceline}: root element {root.tag} is not a DCC validation report "
                       "(validationReportSet or validationSet in the DCC tracker namespace).")]
    schema = schema_for(qname.namespace)
    if schema.validate(tree):
        return tree, []
    return None, _format_errors(schema.error_log)


__all__ = ["FORMATS", "REPORT_NS", "VALIDATION_NS", "parse_report", "schema_for"]
