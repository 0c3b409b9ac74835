"""Stamp the mice (and colonies) earlier exports already sent, so the DCC lock holds for them from the start.

`Mouse.dcc_submitted_at` is new: without this, a mouse delivered before the upgrade could still be renamed until
its next export, which is exactly the orphaned specimen the lock prevents. The ledger knows what was sent: every
specimen record of a validated or delivered submission (`procedures.dcc.ledger.SENT_STATUSES`), dated by the
submission's start. Colonies of those mice and of sent line experiments are stamped too where they were not.
Two statements, whatever the number of mice; the audit triggers record them as one change each.
"""
from django.db import migrations

SENT = ["validated", "delivered"]

MICE = """
UPDATE colonies_mouse AS mouse SET dcc_submitted_at = sent.first_sent
FROM (
    SELECT record.object_id, MIN(COALESCE(submission.started_at, submission.created_at)) AS first_sent
    FROM dcc_submissionrecord AS record JOIN dcc_submission AS submission ON submission.id = record.submission_id
    WHERE record.kind = 'specimen' AND submission.status = ANY(%s)
    GROUP BY record.object_id
) AS sent
WHERE mouse.id = sent.object_id AND mouse.dcc_submitted_at IS NULL
"""

COLONIES = """
UPDATE colonies_colony AS colony SET dcc_submitted_at = sent.first_sent
FROM (SELECT colony_id, MIN(first_sent) AS first_sent FROM (
    SELECT mouse.colony_id AS colony_id, MIN(mouse.dcc_submitted_at) AS first_sent
    FROM colonies_mouse AS mouse
    WHERE mouse.dcc_submitted_at IS NOT NULL AND mouse.colony_id IS NOT NULL
    GROUP BY mouse.colony_id
    UNION ALL
    SELECT line.colony_id, MIN(COALESCE(submission.started_at, submission.created_at))
    FROM dcc_submissionrecord AS record
    JOIN dcc_submission AS submission ON submission.id = record.submission_id
    JOIN procedures_lineexperiment AS line ON line.id = record.object_id
    WHERE record.kind = 'line' AND submission.status = ANY(%s)
    GROUP BY line.colony_id
) AS each_source GROUP BY colony_id) AS sent
WHERE colony.id = sent.colony_id AND colony.dcc_submitted_at IS NULL
"""


def stamp(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(MICE, [SENT])
        cursor.execute(COLONIES, [SENT])


class Migration(migrations.Migration):

    dependencies = [
        ("dcc", "0005_housing_record_kind"),
        ("colonies", "0014_mouse_dcc_submitted_at"),
        ("procedures", "0013_parameter_retired"),
    ]

    operations = [migrations.RunPython(stamp, migrations.RunPython.noop)]
