"""Domain errors of phenotyping; `lims.api.exception_handler` answers each with its `status`."""
from lims.exceptions import Conflict, DomainError, InvalidTransition


class NotAllowed(DomainError):
    """The user's role may do phenotyping but not this step (a QC lock is the data wrangler's)."""

    status = 403


__all__ = ["Conflict", "InvalidTransition", "NotAllowed"]
