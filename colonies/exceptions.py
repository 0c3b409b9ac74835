"""Domain errors of production and colonies (mapped to HTTP answers by `lims.api`)."""
from lims.exceptions import Conflict, DomainError, InvalidTransition

__all__ = ["Conflict", "DomainError", "InvalidTransition"]
