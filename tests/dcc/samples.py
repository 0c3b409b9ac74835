"""The shared DCC samples and their MANIFEST, as test parameters: one test id per sample file."""
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

SAMPLES_DIR = Path(settings.LIMS_DCC_XSD_DIR).parent / "samples"
MANIFEST = SAMPLES_DIR / "MANIFEST.json"
DOCUMENT_ROOTS = {"centreSpecimenSet", "centreProcedureSet"}


def manifest_entries() -> list[dict]:
    if not MANIFEST.exists():
        return []
    return json.loads(MANIFEST.read_text())["files"]


def _param(entry: dict):
    return pytest.param(entry, id=entry["file"].split("/", 1)[0] + ":" + Path(entry["file"]).name)


def valid_entries():
    return [_param(e) for e in manifest_entries() if e["xsd_result"] == "PASS"] or [
        pytest.param(None, marks=pytest.mark.skip(reason="no MANIFEST"))]


def invalid_entries():
    return [_param(e) for e in manifest_entries() if e["xsd_result"] != "PASS"] or [
        pytest.param(None, marks=pytest.mark.skip(reason="no MANIFEST"))]


def reason_keyword(entry: dict) -> str:
    """The word the refusal must mention: the quoted culprit of the MANIFEST detail (an attribute, a value, a
    tag), or the root element when the file is not a submission document at all."""
    if entry.get("root_element") and entry["root_element"] not in DOCUMENT_ROOTS:
        return entry["root_element"]
    detail = entry.get("detail", "")
    quoted = re.search(r"'([^']+)'", detail)
    if quoted:
        return re.sub(r"^\{[^}]*\}", "", quoted.group(1))
    redefined = re.search(r"Attribute \w+ redefined", detail)
    return redefined.group(0) if redefined else detail.split(",")[0]


def path_of(entry: dict) -> Path:
    return SAMPLES_DIR / entry["file"]


def companion_specimen_files(entry: dict) -> list[Path]:
    """The valid specimen samples an experiment sample refers to: same folder, same name prefix before '-'."""
    path = path_of(entry)
    prefix = path.name.split("-")[0] if "-" in path.name else None
    found = []
    for other in manifest_entries():
        other_path = path_of(other)
        if (other["xsd_result"] == "PASS" and other.get("root_element") == "centreSpecimenSet"
                and other_path.parent == path.parent
                and (prefix is None or other_path.name.split("-")[0] == prefix)):
            found.append(other_path)
    return sorted(found)
