"""Validate a DCC document against the official XSDs, as the DCC crawler does before it reads anything (§5.1).

The schema is chosen from the root element's namespace (the crawler uses the file name; ours are named by us, so
the content is the better witness). Compiled schemas are cached per process: compiling takes far longer than
validating a small file, and a worker validates two files per submission.

The whole document is parsed into a tree before validation: lxml reports line numbers only for tree validation,
not for validation while streaming, and line numbers are what makes an error actionable. Memory is therefore
proportional to the file size here (the writers themselves stream).
"""
from functools import lru_cache
from os import PathLike
from pathlib import Path

from django.conf import settings
from lxml import etree

from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS

SCHEMA_FILES = {
    SPECIMEN_NS: "core/specimen_definition.xsd",
    PROCEDURE_NS: "core/procedure_definition.xsd",
}
#: Longest error list kept: one broken field repeated on every row would otherwise flood the submission record.
MAX_ERRORS = 100


@lru_cache(maxsize=8)
def _compiled_schema(path: str) -> etree.XMLSchema:
    """Compile one XSD; keyed by absolute path so a changed LIMS_DCC_XSD_DIR (tests) gets its own entry."""
    return etree.XMLSchema(etree.parse(path))


def schema_for(namespace: str) -> etree.XMLSchema:
    """Return the compiled schema for a root namespace.

    Raises:
        KeyError: the namespace is not one of a DCC submission document.
    """
    return _compiled_schema(str(Path(settings.LIMS_DCC_XSD_DIR) / SCHEMA_FILES[namespace]))


def _short(message: str) -> str:
    """Drop the `{namespace}` libxml2 puts before every element name; the file has one namespace anyway."""
    for namespace in SCHEMA_FILES:
        message = message.replace(f"{{{namespace}}}", "")
    return message


def _format(errors) -> list[str]:
    lines = [f"line {error.line}: {_short(error.message)}" for error in errors]
    if len(lines) > MAX_ERRORS:
        lines = lines[:MAX_ERRORS] + [f"… and {len(lines) - MAX_ERRORS} more errors"]
    return lines


def validate_xml(path: str | PathLike) -> list[str]:
    """Validate a specimen or experiment file; return its errors as "line N: message" (empty when valid).

    A file that is not well-formed, or whose root is not `centreSpecimenSet`/`centreProcedureSet` in a DCC
    namespace, is reported the same way rather than raised, so a caller has one list to store and show.
    """
    try:
        tree = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return _format(exc.error_log) or [f"line {exc.lineno}: {exc.msg}"]
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace not in SCHEMA_FILES:
        return [f"line {root.sourceline}: root element {root.tag} is not a DCC specimen or experiment document."]
    schema = schema_for(qname.namespace)
    if schema.validate(tree):
        return []
    return _format(schema.error_log)


__all__ = ["SCHEMA_FILES", "schema_for", "validate_xml"]
