"""API conventions loaded by settings: one error shape and pagination (viewset bases are in `lims.viewsets`).

Every error answers `{"status": <code>, "detail": <summary>, "errors": {<field>: [<message>, …]}}`; field-level
messages come from serializers and from model `clean()`/`full_clean()`, and domain conflicts answer 409.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lims.exceptions import DomainError
from lims.integrity import unique_violation_error


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _as_field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {key: value if isinstance(value, list) else [value] for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def exception_handler(exc, context):
    """Answer every error in one shape; Django ValidationError → 400 and DomainError → its status."""
    if isinstance(exc, DataError):
        # A value PostgreSQL cannot hold (a NUL character, a date or number out of its range) is bad input, not a
        # server fault; the transaction it broke was already rolled back by the service's atomic block.
        exc = ValidationError({"non_field_errors": ["A value cannot be stored: it contains a NUL character or is "
                                                    "out of range."]})
    if isinstance(exc, IntegrityError):
        # A unique value taken by a concurrent request, on a path that did not save through `save_validated`.
        exc = unique_violation_error(exc) or exc
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    if isinstance(exc, DomainError):
        errors = {exc.field or "non_field_errors": [exc.message]}
        return Response({"status": exc.status, "detail": exc.message, "errors": errors}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = _as_field_errors(response.data)
        first = next(iter(errors.items()), None)
        summary = f"{first[0]}: {first[1][0]}" if first else "Invalid input."
        response.data = {"status": response.status_code, "detail": summary, "errors": errors}
    elif isinstance(exc, (APIException, Http404)):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
        response.data = {"status": response.status_code, "detail": str(detail), "errors": {}}
    return response
