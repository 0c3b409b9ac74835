"""Name, zip and deliver DCC files exactly as the crawler expects them (dcc-format.md §2).

* XML `{ILAR}.{YYYY-MM-DD}.{increment}.specimen.impc.xml` / `….experiment.impc.xml`; one XML per zip, at its root;
  the zip is named like its XML without the type token: `{ILAR}.{YYYY-MM-DD}.{increment}.impc.zip`.
* The tracker keeps every zip name it has seen and ignores a known name, so a name is never reused: increments
  come from a per-(centre, day) counter row locked with SELECT … FOR UPDATE, in a transaction of their own, so an
  increment stays used even when the build that took it fails later (re-sends included).
* Delivery (a hidden `.part` name renamed into place, so the crawler never sees half a file; local directory or
  SFTP) is `procedures.dcc.delivery`.
"""
import hashlib
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from os import PathLike

from django.db import transaction

from lims.models import Centre
from procedures.dcc.exceptions import ExportError
from procedures.dcc.models import FileIncrement

#: The crawler's own patterns (phenodcc-crawler `tracker.properties`).
ZIP_NAME_RE = re.compile(r"([a-zA-Z_]*)[.]([0-9]{4})-([0-9]{2})-([0-9]{2})[.]([0-9]{1,5})[.]impc[.](zip)")
XML_NAME_RE = re.compile(
    r"([a-zA-Z_]*)[.]([0-9]{4})-([0-9]{2})-([0-9]{2})[.]([0-9]{1,5})[.](specimen|experiment)[.]impc[.](xml)"
)
#: The crawler reads at most five digits of increment.
MAX_INCREMENT = 99_999


@dataclass(frozen=True)
class DccNames:
    """The XML and zip names of one file."""

    xml: str
    zip: str


def dcc_names(*, centre_code: str, day: date, increment: int, kind: str) -> DccNames:
    """Return the names of the `kind` ("specimen" or "experiment") file with this increment.

    Raises:
        ExportError: the names would not match the crawler's patterns (bad centre code, increment out of range).
    """
    stem = f"{centre_code}.{day.isoformat()}.{increment}"
    names = DccNames(xml=f"{stem}.{kind}.impc.xml", zip=f"{stem}.impc.zip")
    if not (XML_NAME_RE.fullmatch(names.xml) and ZIP_NAME_RE.fullmatch(names.zip)):
        raise ExportError(f"{names.zip} / {names.xml} would not be accepted by the DCC crawler.")
    return names


def allocate_increments(*, centre: Centre, day: date, count: int) -> list[int]:
    """Take the next `count` increments of `centre` for `day`, committed before any file is written.

    The counter row is created if missing (INSERT … ON CONFLICT DO NOTHING, safe under concurrency), then locked,
    so two workers exporting the same centre on the same day get different increments.

    Raises:
        ExportError: the day's increments are used up (the crawler reads five digits at most).
    """
    if count <= 0:
        return []
    with transaction.atomic():
        FileIncrement.objects.bulk_create([FileIncrement(centre=centre, day=day, last=0)], ignore_conflicts=True)
        counter = FileIncrement.objects.select_for_update().get(centre=centre, day=day)
        first = counter.last + 1
        if counter.last + count > MAX_INCREMENT:
            raise ExportError(f"No DCC file increments left for {centre.code} on {day.isoformat()}.")
        counter.last += count
        counter.save(update_fields=["last"])
    return list(range(first, first + count))


def sha256_of(path: str | PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_zip(*, xml_path: str | PathLike, xml_name: str, zip_path: str | PathLike) -> None:
    """Zip one XML file under `xml_name`, at the root of the archive (the crawler skips entries with a "/")."""
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(xml_path, arcname=xml_name)


__all__ = [
    "MAX_INCREMENT",
    "XML_NAME_RE",
    "ZIP_NAME_RE",
    "DccNames",
    "allocate_increments",
    "dcc_names",
    "sha256_of",
    "write_zip",
]
