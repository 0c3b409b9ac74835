"""Small builders shared by the phenotyping tests (the shared factories stay the lead's)."""
import datetime as dt

from procedures.models import ScheduledTest


def scheduled_test(mouse, procedure, *, status=ScheduledTest.Status.SCHEDULED, due=None, window_days=7,
                   **fields) -> ScheduledTest:
    """A scheduled test put straight into `status`: transition tests need every state as a starting point."""
    due = due or mouse.date_of_birth + dt.timedelta(weeks=procedure.week or 4)
    return ScheduledTest.objects.create(
        centre_id=mouse.centre_id, mouse=mouse, procedure=procedure, due_date=due, window_start=due,
        window_end=due + dt.timedelta(days=window_days - 1), status=status, **fields,
    )
