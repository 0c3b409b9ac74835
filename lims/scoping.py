"""The one place where records are limited to the user's centre.

Every list, detail, form and API queryset goes through `scope_for_user`, so a record of another centre is simply
not found (404), never forbidden (403), and never shown. Models say how they reach their centre with the class
attribute `centre_path` (default "centre").
"""
from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet


def centre_path(model: type[Model]) -> str | tuple[str, ...]:
    """How `model` reaches its centre: a path (`"mouse__centre"`), or several for a record that hangs from one of
    several optional parents (a status stamp belongs to the centre of whichever attempt it has)."""
    return getattr(model, "centre_path", "centre")


def _of_centre(model: type[Model], centre_id: int) -> Q:
    paths = centre_path(model)
    condition = Q()
    for path in (paths,) if isinstance(paths, str) else paths:
        condition |= Q(**{path: centre_id})
    return condition


def scope_for_user(queryset: QuerySet, user, *, own_centre: bool = False) -> QuerySet:
    """Limit `queryset` to the records of `user`'s centre; superusers see every centre, anonymous users nothing.

    `own_centre=True` limits a superuser to their own centre too: for work done on behalf of the user's centre (an
    import matching names to the centre's plans, colonies or mice), where another centre's record of the same name
    must not be found.
    """
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser and not own_centre:
        return queryset
    if user.centre_id is None:
        return queryset.none()
    return queryset.filter(_of_centre(queryset.model, user.centre_id))


def centre_users(centre) -> QuerySet:
    """The people of `centre` (a centre or its id; none for no centre): the one "users of my centre" query, behind
    every choice of a person (a mating's responsible person, a digest's colony managers)."""
    centre_id = getattr(centre, "pk", centre)
    users = get_user_model().objects.all()
    return users.none() if centre_id is None else users.filter(centre_id=centre_id)


class CentreScopedMixin:
    """For DRF viewsets and Django CBVs: `base_queryset()` (a selector) scoped to the user's centre."""

    queryset = None
    area = "production"

    def base_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_queryset(self) -> QuerySet:
        return scope_for_user(self.base_queryset(), self.request.user)
