"""Hostile zips and workbooks for the upload-bounds tests: empty-row bombs, damaged deflate data, unknown compression,
and members that lie about their size. Each is built from a real workbook or zip and changed byte by byte, as an
attacker (or a broken disk) would."""
import io
import struct
import zipfile

from tests.workbooks import workbook_bytes  # noqa: F401 - the base of every hostile workbook here

SHEET = "xl/worksheets/sheet1.xml"


def replace_sheet(content: bytes, rewrite) -> bytes:
    """The workbook with sheet1's XML passed through `rewrite(xml) -> xml`, recompressed at the best level."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data = rewrite(data.decode()).encode()
            archive.writestr(info.filename, data)
    return out.getvalue()


def empty_rows(content: bytes, count: int) -> bytes:
    """The workbook with `count` empty `<row/>` elements after its rows: 3,000,000 of them zip to a few dozen KB."""
    return replace_sheet(content, lambda xml: xml.replace("</sheetData>", "<row/>" * count + "</sheetData>"))


def _local_data_offset(content: bytes, info: zipfile.ZipInfo) -> int:
    name_length, extra_length = struct.unpack("<HH", content[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + name_length + extra_length


def corrupt_deflate(content: bytes, member: str = SHEET) -> bytes:
    """The zip with the middle of one member's deflate stream overwritten with 0xFF bytes (its sizes unchanged)."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    start = _local_data_offset(content, info) + info.compress_size // 3
    length = max(8, info.compress_size // 3)
    return content[:start] + b"\xff" * length + content[start + length:]


def _central_entries(content: bytes):
    """(offset, ZipInfo) of every central-directory entry, in order."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    offset = archive.start_dir
    for info in archive.infolist():
        yield offset, info
        name_length, extra_length, comment_length = struct.unpack("<HHH", content[offset + 28:offset + 34])
        offset += 46 + name_length + extra_length + comment_length


def set_compression(content: bytes, method: int, member: str = SHEET) -> bytes:
    """The zip with one member's compression method number changed in its local and central headers."""
    data = bytearray(content)
    for offset, info in _central_entries(content):
        if info.filename == member:
            data[offset + 10:offset + 12] = struct.pack("<H", method)
            data[info.header_offset + 8:info.header_offset + 10] = struct.pack("<H", method)
    return bytes(data)


def set_declared_size(content: bytes, member: str, size: int) -> bytes:
    """The zip with one member's declared unpacked size changed in its local and central headers (data untouched)."""
    data = bytearray(content)
    for offset, info in _central_entries(content):
        if info.filename == member:
            data[offset + 24:offset + 28] = struct.pack("<I", size)
            data[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", size)
    return bytes(data)


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()
