"""One answer for a unique constraint the database enforced: a field error naming the field, never a 500.

`full_clean()` checks uniqueness before every save, but two people creating the same room, cage, assay or mouse ID
at the same instant both pass that check; the database's unique index then refuses the second insert with an
`IntegrityError`. That is not a server fault but the same mistake `full_clean()` reports, a moment later. This
module turns it into the same answer (`ValidationError` keyed by the field), in one place for every model:

- `save_validated` (every service's save) raises it, so forms, the API and imports show it on the field, and
  words `full_clean()`'s own unique-constraint messages the same way (`name_constraint_errors`);
- `lims.api.exception_handler` maps any unique violation that reaches the API from another path (a bulk insert);
- `UniqueViolationMiddleware` answers any that reaches an HTML view with a 400 page saying what is taken.

The constraint is found from PostgreSQL's own report (constraint and table names, and the key columns), so a
constraint added tomorrow is covered without touching this module.
"""
import re
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models
from django.db.models.expressions import F
from django.http import HttpResponse
from django.template.loader import render_to_string

#: Fields that scope a constraint rather than carry the value a person chose ("unique in your centre").
_SCOPE_FIELDS = {"centre"}
_KEY_RE = re.compile(r"Key \((?P<columns>.*?)\)=\(")


def _diag(error: IntegrityError):
    """The psycopg diagnostics of a unique violation (SQLSTATE 23505), or None for any other integrity error."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) != "23505":
        return None
    return cause.diag


@lru_cache(maxsize=1)
def _models_by_table() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}


def _expression_fields(expression) -> list[str]:
    """The field names an index expression reads (`Lower("name")` → ["name"])."""
    names = []
    for node in expression.flatten():
        if isinstance(node, F):
            names.append(node.name)
    return names


def constraint_fields(model: type[models.Model], constraint_name: str) -> tuple[list[str], bool]:
    """The field names of `model`'s unique constraint `constraint_name` and whether it ignores case.

    Returns ([], False) when the model declares no constraint of that name (a `unique=True` column, whose index
    PostgreSQL names itself); the caller then reads the key columns from the error's detail.
    """
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.name == constraint_name:
            if constraint.fields:
                return list(constraint.fields), False
            names = [name for expression in constraint.expressions for name in _expression_fields(expression)]
            return names, True
    return [], False


def _fields_from_detail(model: type[models.Model], detail: str) -> tuple[list[str], bool]:
    """Fields of the key PostgreSQL reports: `Key (centre_id, cage_id)=(…)` or `Key (lower(name::text))=(…)`."""
    match = _KEY_RE.search(detail or "")
    if match is None:
        return [], False
    columns = match.group("columns")
    by_column = {field.column: field.name for field in model._meta.concrete_fields}
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", columns)
    return [by_column[token] for token in tokens if token in by_column], "lower(" in columns.lower()


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _answer(model: type[models.Model], fields: list[str], ignores_case: bool, constraint_name: str) -> tuple[str, str]:
    """(field, message) for a taken value of `fields`: keyed by the last field that is not the constraint's scope
    (a room's `name`, a cage's `cage_id`, a mouse allele's `allele`); the message names every such field."""
    chosen = [name for name in fields if name not in _SCOPE_FIELDS] or fields
    key = chosen[-1] if chosen else NON_FIELD_ERRORS
    custom = _custom_message(model, constraint_name)
    if custom:
        return key, custom
    labels = " and ".join(_label(model, name) for name in chosen) or "these values"
    where = " in your centre" if set(fields) & _SCOPE_FIELDS else ""
    case = " (ignoring case)" if ignores_case else ""
    return key, f"A {model._meta.verbose_name} with this {labels} already exists{where}{case}."


def unique_violation_error(error: IntegrityError) -> ValidationError | None:
    """The field error a unique violation means, or None when `error` is not a unique violation."""
    diag = _diag(error)
    if diag is None:
        return None
    model = _models_by_table().get(diag.table_name or "")
    if model is None:
        return ValidationError({NON_FIELD_ERRORS: ["This record already exists (a unique value is taken)."]},
                               code="unique")
    fields, ignores_case = constraint_fields(model, diag.constraint_name or "")
    if not fields:
        fields, ignores_case = _fields_from_detail(model, diag.message_detail or "")
    key, message = _answer(model, fields, ignores_case, diag.constraint_name or "")
    return ValidationError({key: [message]}, code="unique")


def name_constraint_errors(instance: models.Model, error: ValidationError) -> ValidationError:
    """`full_clean()`'s error with each unique-constraint message moved onto its field, in the words above.

    Django reports a constraint on several fields or on an expression as a form-wide "Room with this Centre,
    Building and Name already exists." or "Constraint “colony_name_ci_unique” is violated."; the same taken value
    found a moment later by the database reads as `unique_violation_error` says. Other errors pass unchanged.
    """
    if not hasattr(error, "error_dict") or NON_FIELD_ERRORS not in error.error_dict:
        return error
    model = type(instance)
    known: dict[str, tuple[str, str]] = {}
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint):
            continue
        fields, ignores_case = constraint_fields(model, constraint.name)
        answer = _answer(model, fields, ignores_case, constraint.name)
        known[str(constraint.get_violation_error_message())] = answer
        if constraint.fields:
            known[ValidationError(instance.unique_error_message(model, constraint.fields)).messages[0]] = answer
    errors = {key: list(messages) for key, messages in error.message_dict.items()}
    remaining = []
    for message in errors.pop(NON_FIELD_ERRORS):
        if message in known:
            key, mapped = known[message]
            errors.setdefault(key, []).append(mapped)
        else:
            remaining.append(message)
    if remaining:
        errors[NON_FIELD_ERRORS] = remaining
    return ValidationError(errors)


def _custom_message(model: type[models.Model], constraint_name: str) -> str:
    """A constraint's own `violation_error_message`, when the model gives one."""
    for constraint in model._meta.constraints:
        if getattr(constraint, "name", None) == constraint_name:
            message = getattr(constraint, "violation_error_message", None)
            default = getattr(constraint, "default_violation_error_message", None)
            if message and message != default:
                return str(message) % {"name": constraint_name}
    return ""


class UniqueViolationMiddleware:
    """Answer a unique violation that escaped an HTML view with a 400 page naming what is taken (never a 500).

    Service saves already turn it into a form error; this catches the paths that write without `save_validated`.
    The transaction it broke has been rolled back by the atomic block it left.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        mapped = unique_violation_error(exception)
        if mapped is None:
            return None
        problems = [message for values in mapped.message_dict.values() for message in values]
        body = render_to_string("bad_request.html", {"heading": "Not saved", "problems": problems},
                                request=request)
        return HttpResponse(body, status=400)


__all__ = ["UniqueViolationMiddleware", "constraint_fields", "name_constraint_errors", "unique_violation_error"]
