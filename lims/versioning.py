"""Optimistic locking for the records people edit at the same time (colonies, mice, matings, experiments).

Two technicians open the same mouse, both change it, both save: without a check the second save silently
overwrites the first. Each such model has a `version` integer; the update services call `version_next` inside their
transaction. It locks the row (SELECT … FOR UPDATE), so concurrent saves of one record run one after the other, and
refuses with 409 when the client says which version it edited and that version is no longer the current one.
A client that sends no version keeps the old behaviour (last write wins) but still bumps the version, so other
clients notice the change.
"""
from django.db import models

from lims.exceptions import Conflict


def version_check(instance: models.Model, expected: int | None) -> None:
    """Lock `instance`'s row and check the client's `expected` version; call it inside the service's transaction.

    Raises:
        Conflict: `expected` is given and is not the stored version (someone saved in between).
    """
    current = (type(instance)._base_manager.select_for_update().filter(pk=instance.pk)
               .values_list("version", flat=True).get())
    if expected is not None and int(expected) != current:
        raise Conflict(
            f"This {instance._meta.verbose_name} was changed by someone else (version {current}, you edited "
            f"version {expected}); reload it and make your change again.", field="version")
    instance.version = current


def version_bump(instance: models.Model, changed: list[str]) -> list[str]:
    """`changed` plus "version" (one more) when something changed; a no-op save stays a no-op (no audit event)."""
    if not changed:
        return changed
    instance.version += 1
    return [*changed, "version"]


def version_field(**kwargs):
    """The serializer field of `version`: read back on every GET, optional on PATCH (send it to get 409 when stale).

    Ignored on create (`LimsViewSet.perform_create` drops it): a new record always starts at version 1.
    """
    from rest_framework import serializers

    return serializers.IntegerField(
        required=False, min_value=1, max_value=2_147_483_647,
        help_text="The version you edited; a stale one is refused with 409. Omit it to overwrite.", **kwargs)
