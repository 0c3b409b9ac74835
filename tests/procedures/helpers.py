"""Small builders shared by the phenotyping tests (the shared factories stay the lead's)."""
import datetime as dt
import io

from colonies.models import Mouse
from procedures.imports import procedure_template
from procedures.models import ScheduledTest
from tests.factories import BODY_WEIGHT_VALUES, ColonyFactory, StrainFactory


def scheduled_test(mouse, procedure, *, status=ScheduledTest.Status.SCHEDULED, due=None, window_days=7,
                   **fields) -> ScheduledTest:
    """A scheduled test put straight into `status`: transition tests need every state as a starting point."""
    due = due or mouse.date_of_birth + dt.timedelta(weeks=procedure.week or 4)
    return ScheduledTest.objects.create(
        centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, due_date=due, window_start=due,
        window_end=due + dt.timedelta(days=window_days - 1), status=status, **fields,
    )


def upload_mice(centre, count) -> list[Mouse]:
    """`count` mice of one colony (specimen ids UP00000 …) in one insert, ready to be named in an upload."""
    colony = ColonyFactory(centre=centre)
    strain = StrainFactory()
    Mouse.objects.bulk_create([
        Mouse(centre=centre, specimen_id=f"UP{n:05d}", colony=colony, strain=strain, sex=Mouse.Sex.MALE,
              date_of_birth=dt.date(2026, 1, 5), zygosity=Mouse.Zygosity.HETEROZYGOUS)
        for n in range(count)
    ])
    return list(Mouse.objects.filter(centre=centre).order_by("specimen_id"))


def upload_workbook(procedure, actor, specimens, bad=None, *, names_row=False):
    """A filled-in template: a good row per specimen, with `bad` = {row index: (column, value)} spoiled.

    Without `names_row` the sheet is laid out as templates made before issue 14 were (keys on row 1, data from row
    2), which the reader still takes; with it, as today's template (names row 1, keys row 2, data from row 3).
    """
    workbook = procedure_template(procedure=procedure, actor=actor)
    sheet = workbook.worksheets[0]
    if not names_row:
        sheet.delete_rows(1)
    first = 3 if names_row else 2
    header = [c.value for c in sheet[first - 1]]
    for index, specimen in enumerate(specimens):
        row = {"specimen_id": specimen, "date_of_experiment": dt.date(2026, 2, 2), **BODY_WEIGHT_VALUES}
        if bad and index in bad:
            column, value = bad[index]
            row[column] = value
        for number, name in enumerate(header, start=1):
            sheet.cell(row=index + first, column=number, value=row.get(name))
    handle = io.BytesIO()
    workbook.save(handle)
    handle.seek(0)
    handle.name = "upload.xlsx"
    return handle
