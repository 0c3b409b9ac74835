"""Audit context and history reading.

The rows themselves are written by PostgreSQL triggers (django-pghistory), so bulk updates, admin edits and raw SQL
are all captured. What the triggers cannot know is *who* and *why*: this module attaches that context for web
requests (middleware), Celery tasks (`lims.celery.AuditedTask`) and management commands (`AuditedCommand`).
"""
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

import pghistory
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from pghistory import runtime as pghistory_runtime
from pghistory.middleware import HistoryMiddleware
from pghistory.models import Events

REASON_HEADER = "HTTP_X_CHANGE_REASON"


class AuditContextMiddleware(HistoryMiddleware):
    """Tag every write of a request with the user, username, URL, request id and (optional) reason.

    A client can give a reason with the `X-Change-Reason` header; forms post it as `change_reason`.
    """

    def get_context(self, request) -> dict[str, Any]:
        context = super().get_context(request)
        request.request_id = request.META.get("HTTP_X_REQUEST_ID") or str(uuid.uuid4())
        context["request_id"] = request.request_id
        reason = request.META.get(REASON_HEADER, "")
        if not reason and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            reason = request.POST.get("change_reason", "")
        if reason:
            context["reason"] = reason[:500]
        return context


@contextmanager
def audit_context(**metadata: Any) -> Iterator[None]:
    """Attach metadata to every audit event written inside the block; a nested block adds to it until it ends.

    Keys used across the project: `user` (id), `username` (for commands and tasks without a user), `reason` (the
    person's own words), `action` (the domain verb, e.g. `colonies.microinjection.status_changed`), `request_id`,
    `task`, `task_id`, `command`. Empty values are left out, so a nested block keeps the outer reason.

    Each event keeps the context it was written in. pghistory alone merges a nested `pghistory.context` into the
    outer one for good: every event of the request points at one context row, whose metadata ends as the last
    nested block left it (a wean's pups were labelled `colonies.cage.created`, a DCC build's every write
    `dcc.submission.delivered`). Here the outermost block opens pghistory's context as before; a nested block that
    adds or changes metadata gets a context row of its own (the outer metadata plus its own, so `request_id`,
    `task_id` and `user` still tie the events of one request together), and the outer context is restored when
    the block ends.
    """
    metadata = {k: v for k, v in metadata.items() if v not in (None, "")}
    outer = getattr(pghistory_runtime._tracker, "value", None)
    if outer is None:
        with pghistory.context(**metadata):
            yield
        return
    merged = {**outer.metadata, **metadata}
    if merged == outer.metadata:
        yield  # nothing to add: the events belong to the outer context
        return
    pghistory_runtime._tracker.value = pghistory_runtime.Context(id=uuid.uuid4(), metadata=merged)
    try:
        yield
    finally:
        pghistory_runtime._tracker.value = outer


def user_context(user) -> dict[str, Any]:
    if user is None:
        return {}
    return {"user": user.pk, "username": user.get_username()}


class AuditedCommand(BaseCommand):
    """A management command whose writes are attributed to the command (and to --as-user when given)."""

    audit_reason = ""

    def execute(self, *args, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        with audit_context(command=name, username=f"command:{name}", reason=self.audit_reason):
            return super().execute(*args, **options)


#: Columns of a part's events that say which part it is or when it was saved: shown by the part's name instead.
PART_HIDDEN = {"id", "created_at", "updated_at"}


def history_for(obj) -> list[dict[str, Any]]:
    """Return the audit events of one record and of its parts, oldest first, each with who, when, why and old → new.

    pghistory stores each event's full row; the change is the difference from the previous event of the same row,
    whatever its label, so an update shows exactly the fields it changed.

    A model whose values live in rows of their own names the relation in `history_parts` (an experiment's
    `values`), and the part model names each row with `history_name` (the parameter key): a value changed under
    QC lock (26.0 → 30.0) is then in the experiment's history as `IMPC_BWT_001_001: 26.0 → 30.0`, with who and
    why, not only as the version bump it caused. Each event says which part it is about in `part` ("" for the
    record itself).
    """
    tracked = _in_order(_tracked_events(obj))
    user_ids = {(event.pgh_context or {}).get("user") for event, *_rest in tracked}
    names_by_id = dict(get_user_model().objects.filter(pk__in=user_ids - {None}).values_list("pk", "username"))
    history: list[dict[str, Any]] = []
    previous: dict[tuple[str, str], dict[str, Any]] = {}
    for event, part, hidden, part_obj in tracked:
        data = event.pgh_data or {}
        key = (event.pgh_obj_model, str(event.pgh_obj_id))
        before = previous.get(key, {})
        if event.pgh_label == "insert":
            changes = {k: [None, v] for k, v in data.items()}
        elif event.pgh_label == "delete":
            changes = {}
        else:
            changes = {k: [before.get(k), v] for k, v in data.items() if before.get(k) != v}
        changes.pop("updated_at", None)
        if part:
            changes = _part_changes(part, changes, hidden, inserted=event.pgh_label == "insert")
        metadata = event.pgh_context or {}
        history.append(
            {
                "event": event.pgh_label,
                "at": event.pgh_created_at,
                "user": names_by_id.get(metadata.get("user")) or metadata.get("username"),
                "user_id": metadata.get("user"),
                "reason": metadata.get("reason", ""),
                "action": metadata.get("action", ""),
                "request_id": metadata.get("request_id") or metadata.get("task_id") or "",
                "source": metadata.get("url") or metadata.get("task") or metadata.get("command") or "",
                "part": part,
                "part_label": getattr(part_obj, "history_label", part),
                "part_unit": getattr(part_obj, "history_unit", ""),
                "changes": changes,
            }
        )
        previous[key] = data
    return history


def _tracked_events(obj) -> list[tuple[Any, str, set[str], Any]]:
    """The record's events and its parts' (`history_parts`), as (event, part name or "", fields hidden, the part or
    None)."""
    tracked: list = [
        (event, "", set(), None) for event in Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id")]
    relation = getattr(type(obj), "history_parts", "")
    if relation:
        related = getattr(obj, relation).all()
        parts = list(related.select_related(*getattr(related.model, "history_select_related", ())))
        if parts:
            by_pk = {str(part.pk): part for part in parts}
            link = {f.attname for f in type(parts[0])._meta.concrete_fields if f.is_relation}
            hidden = PART_HIDDEN | link | {f.name for f in type(parts[0])._meta.concrete_fields if f.is_relation}
            tracked += [(event, _name(by_pk.get(str(event.pgh_obj_id))), hidden, by_pk.get(str(event.pgh_obj_id)))
                        for event in Events.objects.tracks(parts).order_by("pgh_created_at", "pgh_id")]
    return tracked


def _name(part) -> str:
    return part.history_name if part is not None else ""


def _in_order(tracked: list[tuple[Any, str, set[str], Any]]) -> list[tuple[Any, str, set[str], Any]]:
    """Oldest first. Events of one transaction share a timestamp, and two tables' event ids cannot be compared, so a
    part's event goes right after the record's event written in the same context (the experiment's insert, then
    its values), or after the record's events of that moment when the record has none in its context."""
    anchor = {}
    for index, (event, part, _hidden, _obj) in enumerate(tracked):
        if not part:
            anchor.setdefault(event.pgh_context_id, index)
    keyed = [(item, index if not item[1] else anchor.get(item[0].pgh_context_id, len(tracked)))
             for index, item in enumerate(tracked)]
    keyed.sort(key=lambda pair: (pair[0][0].pgh_created_at, pair[1], pair[0][1] != "", pair[0][0].pgh_id))
    return [item for item, _anchor in keyed]


def _part_changes(part: str, changes: dict[str, list], hidden: set[str], *, inserted: bool) -> dict[str, list]:
    """A part's changes named after it: its `value` as the part's name, other fields as "name field"; the fields
    that identify the part are left out, and so are a new part's empty fields."""
    named = {}
    for field, (old, new) in changes.items():
        if field in hidden or (inserted and new in (None, "", [], {})):
            continue
        named[part if field == "value" else f"{part} {field}"] = [old, new]
    return named


__all__ = ["AuditContextMiddleware", "AuditedCommand", "audit_context", "history_for"]
