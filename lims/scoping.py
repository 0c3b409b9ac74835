"""The one place where records are limited to the user's centre.

Every list, detail, form and API queryset goes through `scope_for_user`, so a record of another centre is simply
not found (404), never forbidden (403), and never shown. Models say how they reach their centre with the class
attribute `centre_path` (default "centre").
"""
from django.db.models import Model, QuerySet


def centre_path(model: type[Model]) -> str:
    return getattr(model, "centre_path", "centre")


def scope_for_user(queryset: QuerySet, user) -> QuerySet:
    """Limit `queryset` to the records of `user`'s centre; superusers see every centre, anonymous users nothing."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.centre_id is None:
        return queryset.none()
    return queryset.filter(**{centre_path(queryset.model): user.centre_id})


class CentreScopedMixin:
    """For DRF viewsets and Django CBVs: `base_queryset()` (a selector) scoped to the user's centre."""

    queryset = None
    area = "production"

    def base_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> QuerySet:
        return scope_for_user(self.base_queryset(), self.request.user)
