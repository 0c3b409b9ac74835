"""A record's history in the lab's words: field labels, statuses by their names, related records by their names.

`lims.audit.history_for` gives the changes as the database holds them (`status: mip → chr`, `plan_id: 7 → 9`), which
the API keeps for machines. People read the History tab, so this module turns each change into (label, old, new):
the field's verbose name ("Status"), the choice's label ("Micro-injection in progress → Chimeras obtained"), the
related record's own name instead of its id ("Plan: H-Pax6-1 → H-Pax6-2"), Yes/No, dates as dates. An experiment's
value is named by its parameter and shown with its unit ("Body weight: 250 → 25 g"). Related names are read with
one query per related model for the whole history, never one per row.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Field, Model
from django.utils import timezone
from django.utils.text import capfirst

from lims.audit import history_for

HISTORY_TONES = {"insert": "success", "update": "info", "delete": "danger"}
#: The event kinds in words (pghistory's labels are `insert`, `update`, `delete`).
EVENT_WORDS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}
#: Bookkeeping columns: the id, the timestamps and the optimistic-locking counter say nothing to a reader.
HISTORY_HIDDEN = {"id", "created_at", "updated_at", "version"}


def _fields_by_name(model: type[Model] | None) -> dict[str, Field]:
    """A model's concrete fields by name and by column name (`plan` and `plan_id` are the same field)."""
    if model is None:
        return {}
    found: dict[str, Field] = {}
    for model_field in model._meta.concrete_fields:
        found[model_field.name] = model_field
        found[model_field.attname] = model_field
    return found


def _part_model(obj: Model) -> type[Model] | None:
    relation = getattr(type(obj), "history_parts", "")
    return obj._meta.get_field(relation).related_model if relation else None


def _split(event: dict, key: str) -> tuple[bool, str]:
    """(is about a part, the field name) of one change key: a part's value is keyed by the part's name, its other
    fields by "name field" (`lims.audit._part_changes`)."""
    part = event.get("part") or ""
    if not part:
        return False, key
    if key == part:
        return True, "value"
    return True, key[len(part) + 1:] if key.startswith(part + " ") else key


def _related_ids(events: list[dict], record_fields: dict, part_fields: dict) -> dict[type[Model], set]:
    wanted: dict[type[Model], set] = defaultdict(set)
    for event in events:
        for key, (old, new) in event["changes"].items():
            is_part, name = _split(event, key)
            model_field = (part_fields if is_part else record_fields).get(name)
            if model_field is not None and model_field.is_relation:
                wanted[model_field.related_model].update(v for v in (old, new) if v not in (None, ""))
    return wanted


def _related_names(wanted: dict[type[Model], set]) -> dict[tuple[type[Model], str], str]:
    """The name (`str()`) of every related record the history mentions: one query per related model."""
    names: dict[tuple[type[Model], str], str] = {}
    for model, ids in wanted.items():
        for related in model._base_manager.filter(pk__in=ids).select_related():  # str() often names its FKs
            names[(model, str(related.pk))] = str(related)
    return names


def value_in_words(model_field: Field | None, value: Any, names: dict) -> Any:
    """One stored value as a person reads it (None stays None: the page shows ∅)."""
    if value in (None, "") or model_field is None:
        return value
    if model_field.is_relation:
        return names.get((model_field.related_model, str(value)), f"#{value}")
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model_field.get_internal_type() == "DateTimeField" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(moment) else value
    return value


def field_label(model_field: Field | None, name: str) -> str:
    """The field's verbose name ("Background strain"), or the column in words when the model no longer has it."""
    if model_field is not None:
        return capfirst(str(model_field.verbose_name))
    return capfirst(name.removesuffix("_id").replace("_", " "))


def _change(event: dict, key: str, old, new, fields: tuple[dict, dict], names: dict) -> dict | None:
    is_part, name = _split(event, key)
    if name in HISTORY_HIDDEN:
        return None
    model_field = (fields[1] if is_part else fields[0]).get(name)
    unit = ""
    if is_part and name == "value":
        label, unit = event.get("part_label") or event["part"], event.get("part_unit") or ""
    elif is_part:
        label = f"{event.get('part_label') or event['part']}: {field_label(model_field, name).lower()}"
    else:
        label = field_label(model_field, name)
    return {"field": key, "label": label, "old": value_in_words(model_field, old, names),
            "new": value_in_words(model_field, new, names), "unit": unit}


def history_rows(obj: Model) -> list[dict]:
    """`history_for(obj)` ready to read: each event with its kind in words, a tone, and `change_list`, the changed
    fields as {field, label, old, new, unit} in the lab's words.

    A creation lists only the fields it filled in; bookkeeping columns (id, timestamps, version) are left out.
    """
    events = history_for(obj)
    fields = (_fields_by_name(type(obj)), _fields_by_name(_part_model(obj)))
    names = _related_names(_related_ids(events, *fields))
    rows = []
    for event in events:
        inserted = event["event"] == "insert"
        changes = [_change(event, key, old, new, fields, names) for key, (old, new) in event["changes"].items()
                   if not (inserted and new in (None, "", [], {}))]
        rows.append({**event, "tone": HISTORY_TONES.get(event["event"], "muted"),
                     "event_words": EVENT_WORDS.get(event["event"], event["event"]),
                     "action_words": action_words(event.get("action", "")),
                     "change_list": [change for change in changes if change is not None]})
    return rows


def action_words(action: str) -> str:
    """`colonies.microinjection.status_changed` → "Status changed"; the code stays in the API."""
    if not action:
        return ""
    verb = action.rsplit(".", 1)[-1].replace("_", " ")
    return capfirst(verb.replace("qc ", "QC ").replace("dcc", "DCC"))


__all__ = ["EVENT_WORDS", "HISTORY_HIDDEN", "HISTORY_TONES", "action_words", "field_label", "history_rows",
           "value_in_words"]
