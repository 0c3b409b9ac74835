"""Domain errors of the DCC export (mapped to HTTP answers by `lims.api`)."""
from lims.exceptions import Conflict, DomainError, InvalidTransition


class ExportError(DomainError):
    """The data cannot be written as a DCC document (unsupported parameter type, increment overflow …).

    It ends the submission as FAILED with the message as its reason; retrying cannot help.
    """


__all__ = ["Conflict", "DomainError", "ExportError", "InvalidTransition"]
