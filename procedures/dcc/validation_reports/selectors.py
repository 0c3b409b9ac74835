"""Reads of the DCC's validation messages for the pages: open rejections (records marked for fixing), messages
that matched no record, and the accepted/rejected counts of the DCC report."""
from django.db.models import QuerySet

from lims.models import Centre
from procedures.dcc.models import ValidationMessage

#: Rows the DCC page lists at most per table (the rest is counted).
PAGE_LIMIT = 200


def open_rejection_list(*, centre: Centre) -> QuerySet[ValidationMessage]:
    """Rejected messages of `centre` whose record no later delivered submission sent again: marked for fixing."""
    return (ValidationMessage.objects.filter(centre=centre, rejected=True, fixed_by__isnull=True)
            .select_related("mouse__centre", "experiment__procedure", "experiment__mouse", "experiment__centre",
                            "submission")
            .order_by("-reported_at", "pk"))


def unmatched_message_list(*, centre: Centre) -> QuerySet[ValidationMessage]:
    """Messages that matched no record of the LIMS: listed, never dropped."""
    return (ValidationMessage.objects.filter(centre=centre, mouse__isnull=True, experiment__isnull=True)
            .select_related("submission").order_by("-created_at", "report_line"))


__all__ = ["PAGE_LIMIT", "open_rejection_list", "unmatched_message_list"]
