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
    """Attach metadata to every audit event written inside the block.

    Keys used across the project: `user` (id), `username` (for commands and tasks without a user), `reason` (the
    person's own words), `action` (the domain verb, e.g. `colonies.microinjection.status_changed`), `request_id`,
    `task`, `task_id`, `command`. Nested blocks join the outer context and add to its metadata.
    """
    with pghistory.context(**{k: v for k, v in metadata.items() if v not in (None, "")}):
        yield


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


def history_for(obj) -> list[dict[str, Any]]:
    """Return the audit events of one record, oldest first, each with who, when, why and old → new values.

    pghistory stores each event's full row; the change is the difference from the previous event of the same
    record, whatever its label, so an update shows exactly the fields it changed.
    """
    events = (
        Events.objects.tracks(obj)
        .order_by("pgh_created_at", "pgh_id")
    )
    events = list(events)
    user_ids = {(e.pgh_context or {}).get("user") for e in events}
    names = dict(get_user_model().objects.filter(pk__in=user_ids - {None}).values_list("pk", "username"))
    history: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for event in events:
        data = event.pgh_data or {}
        if event.pgh_label == "insert":
            changes = {k: [None, v] for k, v in data.items()}
        elif event.pgh_label == "delete":
            changes = {}
        else:
            changes = {k: [previous.get(k), v] for k, v in data.items() if previous.get(k) != v}
        changes.pop("updated_at", None)
        metadata = event.pgh_context or {}
        history.append(
            {
                "event": event.pgh_label,
                "at": event.pgh_created_at,
                "user": names.get(metadata.get("user")) or metadata.get("username"),
                "user_id": metadata.get("user"),
                "reason": metadata.get("reason", ""),
                "action": metadata.get("action", ""),
                "request_id": metadata.get("request_id") or metadata.get("task_id") or "",
                "source": metadata.get("url") or metadata.get("task") or metadata.get("command") or "",
                "changes": changes,
            }
        )
        previous = data
    return history


__all__ = ["AuditContextMiddleware", "AuditedCommand", "audit_context", "history_for"]
