"""Workbooks as a browser uploads them: made with openpyxl, a header row then the rows as given."""
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lims.exports import XLSX_CONTENT_TYPE


def workbook_bytes(headers, rows=(), *, title="Sheet") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    return saved_bytes(workbook)


def saved_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(headers, rows=(), *, title="Sheet", name="upload.xlsx") -> SimpleUploadedFile:
    """The file field's value for a test client POST."""
    return SimpleUploadedFile(name, workbook_bytes(headers, rows, title=title), content_type=XLSX_CONTENT_TYPE)
