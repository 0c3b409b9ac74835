"""Domain errors shared by every app; `lims.api.exception_handler` maps them to HTTP answers."""


class DomainError(Exception):
    """A rule of the lab was broken; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(DomainError):
    """The request is valid but clashes with the record's current state (locked, already done, stale)."""

    status = 409


class InvalidTransition(Conflict):
    """A status change that the record's state machine does not allow."""
