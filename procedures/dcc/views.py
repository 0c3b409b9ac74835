"""DCC submission pages: what was sent, when, how many records, what the DCC validator or delivery said.

Read-only for now; building and sending submissions is done by `procedures.dcc.services`/`tasks`.
"""
from lims.views import ScopedDetailView, ScopedListView, Section
from procedures.dcc.models import Submission


def error_count(submission: Submission) -> int:
    return len(submission.errors or [])


class SubmissionListView(ScopedListView):
    """Submissions of the user's centre, newest first, filtered by status (a FilterSet of the DCC app can replace
    `filterset_fields` when the API gets one)."""

    model = Submission
    select_related = ["centre", "created_by"]
    filterset_fields = ["status"]
    area = "dcc"
    title = "DCC submissions"
    columns = [("Submission", lambda s: f"#{s.pk}"), ("Created", "created_at"), ("By", "created_by"),
               ("Status", "status", True), ("Progress %", "progress"), ("Specimens", "specimen_count"),
               ("Experiments", "experiment_count"), ("Errors", error_count), ("Finished", "finished_at")]


class SubmissionDetailView(ScopedDetailView):
    model = Submission
    select_related = ["centre", "created_by"]
    area = "dcc"
    fields = [("Status", "status", True), ("Centre", "centre"), ("Created", "created_at"), ("By", "created_by"),
              ("Progress %", "progress"), ("Specimens", "specimen_count"), ("Experiments", "experiment_count"),
              ("Started", "started_at"), ("Finished", "finished_at"), ("Delivered to", "out_dir"),
              ("Task id", "task_id")]

    def get_sections(self):
        errors = [{"message": e if isinstance(e, str) else e.get("message", str(e)),
                   "where": "" if isinstance(e, str) else e.get("file") or e.get("path") or e.get("where", "")}
                  for e in self.object.errors or []]
        return [
            Section("Errors", [("Message", "message"), ("Where", "where")], [_Row(e) for e in errors],
                    empty="No errors."),
            Section("Files", [("Zip", "zip_name"), ("Kind", "kind"), ("XML", "xml_name"), ("Increment", "increment"),
                              ("Size (bytes)", "size"), ("SHA-256", "sha256")], self.object.files.all(),
                    empty="No files written yet."),
        ]


class _Row:
    """Lets a dict of a JSON error list be shown with the same columns as model rows."""

    def __init__(self, data: dict):
        self.__dict__.update(data)
