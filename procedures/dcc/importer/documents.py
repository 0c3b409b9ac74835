"""The documents of an import: files and DCC zips expanded into XML documents, and small element readers
shared by the per-element handlers."""
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from lxml import etree

from lims.exceptions import DomainError
from lims.uploads import UploadRefused, ZipLimits, extract_member, open_zip
from procedures.dcc.local_rules import _children as children  # the element readers the local rules use too
from procedures.dcc.local_rules import _local as local
from procedures.dcc.local_rules import _text as text


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
    try:
        for _event, element in etree.iterparse(str(path), events=("start",)):
            return etree.QName(element).namespace
    except etree.XMLSyntaxError:
        return None
    return None


def messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, DomainError):
        return exc.message
    return str(exc)


def attributes(element, names: tuple[str, ...]) -> dict[str, str]:
    """The attributes of `names` the element has, as given (absent ones stay absent)."""
    return {name: element.get(name) for name in names if element.get(name) is not None}


def status_codes(element) -> list[list[str]]:
    """The statusCode children of an experiment or line, as [code, date] pairs (date "" when not given)."""
    return [[s.text or "", s.get("date") or ""] for s in children(element, "statusCode")]


__all__ = [
    "ZIP_MAX_MEMBERS",
    "Document",
    "attributes",
    "children",
    "documents",
    "local",
    "messages",
    "root_namespace",
    "status_codes",
    "text",
]
