"""Broken object-level authorisation, route by route: a user of another centre never reaches a record.

Every route of every router under /api/v1/ is discovered (tests/security/routes.py); each centre-owned one gets a
record of Harwell, and JAX's centre admin (`outsider`) tries to list, read, change, delete, read the history of and
run every verb on it, and to create records that point at it. A route nobody wrote a builder for fails
`test_every_api_route_is_covered`, so a new route cannot slip past this suite.
"""
import pytest
from rest_framework import relations

from lims.models import User
from lims.scoping import centre_path
from tests.security.routes import BUILT, SHARED, allows, api_routes, build_line, serializer_for

pytestmark = pytest.mark.django_db

ROUTES = api_routes()
OWNED = sorted(set(ROUTES) - set(SHARED))


@pytest.fixture
def line(centre):
    return build_line(centre)


def _is_centre_owned(model) -> bool:
    return model is User or hasattr(model, "centre_path") or any(f.name == "centre" for f in model._meta.fields)


def test_every_api_route_is_covered():
    missing = set(ROUTES) - BUILT - set(SHARED)
    assert not missing, f"API routes without a record builder in tests/security/routes.py: {sorted(missing)}"
    assert BUILT | set(SHARED) == set(ROUTES), f"builders for routes that no longer exist: {(BUILT | set(SHARED)) - set(ROUTES)}"


@pytest.mark.parametrize("route", sorted(SHARED))
def test_shared_reference_data_is_read_only(auth_client, outsider, route):
    client = auth_client(outsider)
    assert client.get(f"/api/v1/{route}/").status_code == 200
    for method in ("put", "patch", "delete"):
        assert not allows(ROUTES[route], method), (route, method)
    assert client.post(f"/api/v1/{route}/", {}).status_code in (403, 405)  # the role check may answer first


def _outsider_attempts(client, route, viewset, record) -> list[str]:
    """Every way `client` could reach `record` through `route`; returns what leaked or answered wrongly."""
    wrong = []
    url = f"/api/v1/{route}/{record.pk}/"
    body = client.get(f"/api/v1/{route}/").json()
    if (body.get("count"), body.get("results")) != (0, []) if isinstance(body, dict) else body != []:
        wrong.append(f"{route}: list shows {body}")
    if (status := client.get(url).status_code) != 404:
        wrong.append(f"{route}: GET detail answered {status}")
    for method in ("patch", "put", "delete"):
        status = getattr(client, method)(url, {"comments": "x"}).status_code
        if status != (404 if allows(viewset, method) else 405):
            wrong.append(f"{route}: {method.upper()} answered {status}")
    for extra in viewset.get_extra_actions():  # history, void, abort, qc-lock, edit, cancel, …
        if extra.detail:
            for method in extra.mapping:
                status = getattr(client, method)(f"{url}{extra.url_path}/", {}).status_code
                if status != 404:
                    wrong.append(f"{route}: {method.upper()} {extra.url_path}/ answered {status}")
    return wrong


def test_outsider_reaches_no_record_on_any_route(auth_client, outsider, line):
    client = auth_client(outsider)
    wrong = []
    for route in OWNED:
        record = line[route]
        before = type(record).objects.filter(pk=record.pk).values().get()
        wrong += _outsider_attempts(client, route, ROUTES[route], record)
        if type(record).objects.filter(pk=record.pk).values().get() != before:
            wrong.append(f"{route}: the record changed")
    assert wrong == []


def _victims(line) -> dict:
    """Records of the attacked centre by model: every route's record and what they point at."""
    victims = {type(r): r for r in line.values()}
    victims[type(line["genotypes"].sample)] = line["genotypes"].sample
    victims[User] = User.objects.get(username=f"builder-{line['mice'].centre.code}")
    return victims


def test_create_pointing_at_another_centres_record_is_refused(auth_client, outsider, line):
    """For every writable foreign key to a centre-owned model, on every route that creates: 400 on that field."""
    victims, client, wrong, checked = _victims(line), auth_client(outsider), [], []
    for route in OWNED:
        viewset = ROUTES[route]
        if not allows(viewset, "post"):
            continue
        serializer = serializer_for(viewset, "create", outsider)
        for name, field in serializer.fields.items():
            related = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
            if field.read_only or not isinstance(related, relations.RelatedField):
                continue
            model = related.queryset.model if related.queryset is not None else User
            if not _is_centre_owned(model):
                continue
            victim = victims.get(model)
            assert victim is not None, f"{route}.{name}: no {model.__name__} of another centre to point at"
            value = getattr(victim, related.slug_field) if isinstance(related, relations.SlugRelatedField) else victim.pk
            rows = viewset.queryset.model.objects.count()
            response = client.post(f"/api/v1/{route}/", {name: [value] if field is not related else value})
            if response.status_code == 405:
                continue  # scheduled tests: made by enrolment only
            checked.append(f"{route}.{name}")
            if response.status_code != 400 or name not in response.json().get("errors", {}):
                wrong.append(f"{route}.{name}: {response.status_code} {response.content[:200]!r}")
            if viewset.queryset.model.objects.count() != rows:
                wrong.append(f"{route}.{name}: a row was created")
    assert wrong == []
    # The routes that take a centre-owned foreign key were all exercised (a sanity floor, not the contract).
    assert {"mice.colony", "matings.male", "matings.females", "experiments.mouse", "litters.mating"} <= set(checked)


def test_scoping_follows_the_models_centre_path():
    """Every owned route's model says how it reaches its centre (a field `centre` or `centre_path`)."""
    for route in OWNED:
        model = ROUTES[route].queryset.model
        assert centre_path(model) == "centre" and any(f.name == "centre" for f in model._meta.fields) or hasattr(
            model, "centre_path"), route
