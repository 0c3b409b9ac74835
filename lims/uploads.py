"""Open uploaded archives within bounds: the one reader under every .xlsx upload and every .zip import.

An .xlsx workbook is a zip of XML parts, and a small zip can hold a great deal: 97 KB of workbook held 3 million
empty rows (18 MB of XML) and kept an import request busy for 13 s, and a 1 MB DCC zip unpacked 1 GB into a temporary
folder before its XML was refused. A zip states the unpacked size of every member in its central directory, so the
limits are checked there, before anything is decompressed:

- `check_zip`: at most `max_members` members, each compressed with a method we read (stored or deflate), none
  encrypted, and together no larger than `max_bytes` once unpacked;
- `read_member`: unpacks one member in chunks and stops past its declared size (Python's zipfile already cuts a
  member at its declared size and then fails its CRC; this is the second lock), and turns a damaged stream (bad
  deflate data, bad CRC) into a refusal in the user's words instead of a crash;
- `open_workbook`: both of the above for every part of a workbook, then openpyxl in read-only mode, so a sheet is
  streamed, never held as cells;
- `sheet_rows`: the rows of a sheet with Excel's row numbers, blank rows included (openpyxl yields a blank row for
  every row number a file skips), refused past a row cap as they are read, so a sheet of millions of empty rows
  stops at the cap in milliseconds;
- `extract_member`: the bounded copy of a zip member to disk (the DCC import validates files by path).

Every refusal is an `UploadRefused` (a `DomainError`, so the API answers 400) whose message says what was found and
what is allowed. How cell values are converted is not decided here (`lims.xlsx_import`).
"""
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from lims.exceptions import DomainError

#: The compression methods of the zip format we unpack. Excel, LibreOffice and openpyxl write deflate; anything
#: else (LZMA, bzip2, Deflate64, or a method number nobody knows) is refused before reading.
SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
#: An .xlsx has about ten parts (a few more per sheet, image or comment); a thousand is far above any real workbook.
XLSX_MAX_MEMBERS = 1000
#: Unpacked size allowed per data row an upload may hold, and the floor: 5,000 rows may unpack to 39 MB and 20,000
#: rows to 156 MB. A 100-column row written by Excel with styles takes about 4 KB of XML.
XLSX_BYTES_PER_ROW = 8 * 1024
XLSX_MIN_BYTES = 32 * 1024 * 1024
CHUNK = 1024 * 1024
NOT_XLSX = "The file is not an Excel workbook (.xlsx); save it from the template as .xlsx."
#: Errors a damaged zip or workbook raises while it is read (zlib for bad deflate data, BadZipFile for a bad CRC,
#: EOFError for a cut stream, NotImplementedError for an unknown compression, SyntaxError for broken XML).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, KeyError, ValueError, OSError, SyntaxError,
           InvalidFileException)


class UploadRefused(DomainError):
    """An upload that will not be read, with the reason in the user's words."""


def size_text(size: int) -> str:
    """A byte count as people say it: 812 bytes, 97 KB, 1,025 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size / (1024 * 1024):,.0f} MB"


def xlsx_max_bytes(max_rows: int) -> int:
    """How large a workbook that may hold `max_rows` data rows may be once unpacked."""
    return max(XLSX_MIN_BYTES, max_rows * XLSX_BYTES_PER_ROW)


@dataclass(frozen=True)
class ZipLimits:
    """What one kind of upload may be, and how its refusals are worded (`what` starts every message)."""

    max_bytes: int  # all members together, unpacked
    max_members: int
    what: str = "The file"
    not_a_zip: str = NOT_XLSX
    shrink: str = "Delete empty rows and unused sheets, or split the file."
    resave: str = "save it again from Excel"


def xlsx_limits(max_rows: int) -> ZipLimits:
    """The limits of an .xlsx upload that may hold `max_rows` data rows."""
    return ZipLimits(max_bytes=xlsx_max_bytes(max_rows), max_members=XLSX_MAX_MEMBERS)


def check_zip(archive: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """Check a zip's central directory against the limits before anything is unpacked; return its members.

    Raises:
        UploadRefused: too many members, a compression method we do not read, an encrypted member, or more than
            `max_bytes` once unpacked (the message names the largest member).
    """
    what = limits.what
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UploadRefused(f"{what} holds {len(infos):,} files; at most {limits.max_members:,} are read.")
    total = 0
    for info in infos:
        if info.compress_type not in SUPPORTED_COMPRESSION:
            raise UploadRefused(f"{what} uses a compression method that cannot be read (method {info.compress_type} "
                                f"for {info.filename!r}); save it again with standard (deflate) compression.")
        if info.flag_bits & 0x1:
            raise UploadRefused(f"{what} is password-protected ({info.filename!r}); save it without a password.")
        total += info.file_size
    if total > limits.max_bytes:
        largest = max(infos, key=lambda i: i.file_size)
        raise UploadRefused(f"{what} unpacks to {size_text(total)} ({largest.filename!r} alone is "
                            f"{size_text(largest.file_size)}); at most {size_text(limits.max_bytes)} is read. "
                            f"{limits.shrink}")
    return infos


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits) -> Iterator[bytes]:
    """Unpack one member in chunks of at most 1 MB, never past its declared size.

    Raises:
        UploadRefused: the member's data is damaged (deflate stream, CRC) or longer than declared.
    """
    unpacked = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                unpacked += len(chunk)
                if unpacked > info.file_size:
                    raise UploadRefused(f"{limits.what} is damaged: {info.filename!r} unpacks to more than the "
                                        f"{size_text(info.file_size)} it declares; {limits.resave}.")
                yield chunk
    except DAMAGED as exc:
        raise UploadRefused(f"{limits.what} is damaged and cannot be unpacked ({info.filename!r}: {_reason(exc)}); "
                            f"{limits.resave}.") from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, zlib.error):
        return "corrupt compressed data"
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return "checksum mismatch"
    if isinstance(exc, EOFError):
        return "the data stops short"
    return type(exc).__name__


def extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ZipLimits) -> None:
    """Copy one member to `target` through `read_member` (the archive must have passed `check_zip`)."""
    with open(target, "wb") as out:
        for chunk in read_member(archive, info, limits):
            out.write(chunk)


def open_zip(file: str | Path | IO[bytes], limits: ZipLimits) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open a zip and check it (`check_zip`); the caller closes the archive.

    Raises:
        UploadRefused: not a zip (`limits.not_a_zip`), or over a limit.
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadRefused(limits.not_a_zip) from exc
    try:
        return archive, check_zip(archive, limits)
    except BaseException:
        archive.close()
        raise


def open_workbook(file: IO[bytes], *, max_rows: int) -> Any:
    """Open an uploaded .xlsx read-only, after checking its parts' sizes and unpacking every part once.

    Unpacking first costs a fraction of a second for the largest allowed file and means openpyxl never meets a
    broken deflate stream or an unknown compression midway (which used to be a 500 on the import pages).

    Raises:
        UploadRefused: not an .xlsx, over the size limit for `max_rows` rows, or damaged.
    """
    limits = xlsx_limits(max_rows)
    archive, infos = open_zip(file, limits)
    with archive:
        for info in infos:
            for _chunk in read_member(archive, info, limits):
                pass
    file.seek(0)
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except DAMAGED as exc:
        raise UploadRefused(NOT_XLSX) from exc


def sheet_rows(worksheet, *, max_row: int, min_row: int = 1, max_col: int | None = None,
               data_rows: int | None = None) -> Iterator[tuple[int, tuple]]:
    """Yield `(Excel row number, values)` for every row up to `max_row`, blank rows included, as openpyxl reads them.

    `max_col` cuts each row (openpyxl pads a row to its last cell, and a lone cell in column XFD makes a row of
    16,384 values). `data_rows`, when given, is the data-row limit the refusal names.

    Raises:
        UploadRefused: the sheet has a row past `max_row` (raised when that row is reached, so reading stops there).
    """
    rows = worksheet.iter_rows(min_row=min_row, max_col=max_col, values_only=True)
    for number, values in enumerate(rows, start=min_row):
        if number > max_row:
            allowed = f" (at most {data_rows:,} data rows are read)" if data_rows else ""
            raise UploadRefused(f"The sheet goes on past row {max_row:,}, blank rows included{allowed}; delete the "
                                "empty rows below your data, or split the file.")
        yield number, values


__all__ = ["DAMAGED", "NOT_XLSX", "SUPPORTED_COMPRESSION", "UploadRefused", "ZipLimits", "check_zip", "extract_member",
           "open_workbook", "open_zip", "read_member", "sheet_rows", "size_text", "xlsx_limits", "xlsx_max_bytes"]
