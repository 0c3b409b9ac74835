"""The lean API lists (`lims.lean`, issue 15 item 2): the same JSON as the serializer, a cursor beside page numbers,
the token lookup cached until the token is revoked, and the OpenAPI schema unchanged."""
import base64
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from colonies.models import Mouse, MouseAllele
from lims.models import Role
from procedures.models import Experiment, ParameterValue
from tests.factories import CagePlacementFactory, LitterFactory, MouseFactory, UserFactory
from tests.security.routes import build_line

pytestmark = pytest.mark.django_db

LEAN = {"mice": "colonies.api.views.MouseViewSet", "scheduled-tests": "procedures.api.views.ScheduledTestViewSet",
        "experiments": "procedures.api.views.ExperimentViewSet"}


@pytest.fixture
def line(centre):
    """build_line's records, plus what the computed fields show: a mouse with parents, cage, room and two alleles,
    an imported experiment (its own experimentID) whose value has its own unit, another centre's records."""
    records = build_line(centre)
    litter = LitterFactory(mating__centre=centre, mating__colony=records["colonies"])
    pup = MouseFactory(centre=centre, colony=records["colonies"], litter=litter, date_of_birth=None)
    CagePlacementFactory(mouse=pup, cage=records["cages"])
    CagePlacementFactory(mouse=records["scheduled-tests"].mouse, cage=records["cages"])
    MouseAllele.objects.create(mouse=pup, allele="Pax6<tm1b>", zygosity="homozygous")
    MouseAllele.objects.create(mouse=pup, allele="Cre", zygosity="hemizygous")
    experiment = records["experiments"]
    Experiment.objects.filter(pk=experiment.pk).update(dcc_experiment_id="IMPORTED-7")
    ParameterValue.objects.filter(pk=experiment.values.order_by("pk").first().pk).update(unit="lb")
    return records


def _client(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.mark.parametrize("route", LEAN)
def test_list_rows_are_the_detail_answers(route, line, centre, other_centre):
    """Every field of every row, as the serializer writes it for the detail view (page numbers and cursor)."""
    build_line(other_centre)
    admin = UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="lister")
    client = _client(admin)
    rows = client.get(f"/api/v1/{route}/", {"page_size": 500}).json()
    assert rows["count"] == len(rows["results"]) > 0
    for item in rows["results"]:
        assert item == client.get(f"/api/v1/{route}/{item['id']}/").json()
    cursor = client.get(f"/api/v1/{route}/", {"page_size": 500, "cursor": ""}).json()
    assert cursor["results"] == rows["results"] and "count" not in cursor
    assert cursor["next"] is None and cursor["previous"] is None
    # Other centre's rows are not listed (their detail is 404, tests/security/test_cross_centre.py).
    theirs = set(type(line[route])._default_manager.exclude(centre=centre).values_list("pk", flat=True))
    assert theirs and not theirs & {item["id"] for item in rows["results"]}


def test_the_computed_fields_are_filled(line, centre):
    client = _client(UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="lister"))
    mice = {m["specimen_id"]: m for m in client.get("/api/v1/mice/", {"page_size": 500}).json()["results"]}
    pup = Mouse.objects.get(alleles__allele="Cre")
    assert mice[pup.specimen_id]["alleles"] == [
        {"allele": "Cre", "zygosity": "hemizygous", "source": None},
        {"allele": "Pax6<tm1b>", "zygosity": "homozygous", "source": None}]
    assert mice[pup.specimen_id]["current_cage"] == line["cages"].cage_id
    assert mice[pup.specimen_id]["sire"] and mice[pup.specimen_id]["dam"]
    test = client.get("/api/v1/scheduled-tests/").json()["results"][0]
    assert test["cage"] == line["cages"].cage_id and test["room"] == line["cages"].rack.room_id
    experiment = client.get("/api/v1/experiments/").json()["results"][0]
    assert experiment["experiment_id"] == "IMPORTED-7"
    assert "lb" in {v["unit"] for v in experiment["values"]} and len({v["unit"] for v in experiment["values"]}) > 1


def _walk(client, url, params, link="next") -> tuple[list[list[str]], dict]:
    """The pages met following `link` from the answer of `url` (each page in list order), and the last answer."""
    pages, answer = [], client.get(url, params).json()
    while True:
        pages.append([item["specimen_id"] for item in answer["results"]])
        if not answer[link]:
            return pages, answer
        answer = client.get(answer[link]).json()


@pytest.mark.parametrize("ordering", ["", "-date_of_birth", "date_of_birth", "-specimen_id"])
def test_the_cursor_walks_every_row_once_both_ways(ordering, tech):
    """Nullable ordering fields (embryos have no date of birth) and ties (same date) page without gaps or repeats."""
    for n in range(9):
        MouseFactory(centre=tech.centre, specimen_id=f"CUR{n}",
                     date_of_birth=None if n % 4 == 0 else dt.date(2026, 1, 1 + n % 3))
    client = _client(tech)
    params = {"page_size": 2, **({"ordering": ordering} if ordering else {})}
    # The list's order, ties broken by id (PostgreSQL puts NULLs last ascending, first descending).
    expected = list(Mouse.objects.order_by(ordering or "specimen_id", "pk").values_list("specimen_id", flat=True))
    forward, last = _walk(client, "/api/v1/mice/", {**params, "cursor": ""})
    assert sum(forward, []) == expected and len(expected) == 9
    assert all(len(page) == 2 for page in forward[:-1])
    backward, first = _walk(client, last["previous"], {}, link="previous")
    assert sum(reversed(backward), []) + forward[-1] == expected
    assert first["next"] and first["previous"] is None


def test_a_cursor_page_counts_nothing_and_a_bad_cursor_is_404(tech, django_assert_max_num_queries):
    for n in range(3):
        MouseFactory(centre=tech.centre)
    client = _client(tech)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/mice/", {"cursor": "", "page_size": 2})
    assert answer.status_code == 200 and len(answer.json()["results"]) == 2
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(queries) <= 2  # the page and its alleles
    for bad in ("nonsense", base64.urlsafe_b64encode(b'{"v": [1]}').decode(),
                base64.urlsafe_b64encode(b'{"v": ["x", "not a number"]}').decode()):
        assert client.get("/api/v1/mice/", {"cursor": bad}).status_code == 404
    not_a_date = base64.urlsafe_b64encode(b'{"v": ["someday", 1]}').decode()
    assert client.get("/api/v1/mice/", {"cursor": not_a_date, "ordering": "date_of_birth"}).status_code == 404


def _refused(response, detail: str) -> None:
    # 403, not 401: the first authentication class is the session's, which sends no WWW-Authenticate challenge.
    assert response.status_code == 403 and response.json()["detail"] == detail


def _token_queries(queries) -> int:
    return sum("authtoken_token" in q["sql"] for q in queries.captured_queries)


def test_the_token_lookup_is_cached_until_revoked(tech):
    token = Token.objects.create(user=tech)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/mice/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/mice/").status_code == 200
    assert _token_queries(queries) == 0
    token.delete()  # revoked
    _refused(client.get("/api/v1/mice/"), "Invalid token.")


def test_a_changed_user_is_never_served_from_the_cache(tech):
    token = Token.objects.create(user=tech)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/mice/").status_code == 200
    tech.role = Role.READ_ONLY
    tech.save()
    mouse = MouseFactory(centre=tech.centre)
    assert client.patch(f"/api/v1/mice/{mouse.pk}/", {"ear_mark": "L1"}, format="json").status_code == 403
    tech.is_active = False
    tech.save()
    _refused(client.get("/api/v1/mice/"), "User inactive or deleted.")


def test_the_cached_lookup_expires(tech, settings):
    settings.LIMS_API_TOKEN_CACHE_SECONDS = 0  # no caching time: every request reads the token again
    token = Token.objects.create(user=tech)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.get("/api/v1/mice/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/mice/").status_code == 200
    assert _token_queries(queries) == 1


def _schema_fields(schema: dict, name: str) -> set[str]:
    return set(schema["components"]["schemas"][name]["properties"])


@pytest.mark.parametrize("route, component", [("mice", "Mouse"), ("scheduled-tests", "ScheduledTest"),
                                              ("experiments", "Experiment")])
def test_the_schema_still_describes_the_serializer_fields(route, component, tech):
    """The lists' OpenAPI rows are the serializer's readable fields; the cursor is documented, `count` optional."""
    from django.utils.module_loading import import_string

    schema = _client(tech).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][f"/api/v1/{route}/"]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    envelope = schema["components"]["schemas"][page]
    assert envelope["properties"]["results"]["items"]["$ref"].endswith(f"/{component}")
    assert envelope["required"] == ["results"]
    assert "cursor" in {p["name"] for p in operation["parameters"]}
    serializer = import_string(LEAN[route]).serializer_class()
    readable = {name for name, f in serializer.fields.items() if not f.write_only}
    assert _schema_fields(schema, component) == readable


# --- The fast paths (lims.lean_filters, lims.lean_convert, precompiled annotations) answer as the general path ------

def _general_path(monkeypatch) -> None:
    """The lean lists as they were read before the fast paths: every query string through the FilterSet's form,
    every value through its field's `to_representation`, the annotations resolved and compiled per request."""
    import lims.lean
    from django.utils.module_loading import import_string

    monkeypatch.setattr(lims.lean, "filter_simply", lambda *args: None)
    monkeypatch.setattr(lims.lean, "precompiled", lambda model, annotations: annotations)
    monkeypatch.setattr(lims.lean, "converter", lambda field: (None, field.to_representation))
    for path in LEAN.values():
        view = import_string(path)
        for cached in ("_lean_plan", "_lean_compiled"):
            if cached in view.__dict__:
                monkeypatch.delattr(view, cached)


def _fast_queries(line) -> dict[str, list[dict]]:
    mouse, cage = line["scheduled-tests"].mouse, line["cages"]
    colony = line["colonies"].name
    return {
        "mice": [{}, {"colony": colony}, {"colony": f" {colony.upper()} "}, {"colony": "no such colony"},
                 {"status": "alive"}, {"status": "alive", "colony": colony, "cursor": ""}, {"sex": "female"},
                 {"is_baseline": "true"}, {"is_baseline": "false"}, {"q": mouse.specimen_id[:4]},
                 {"centre": mouse.centre.code.lower()}, {"cage": cage.cage_id}, {"room": cage.rack.room_id},
                 {"dob_after": "2000-01-01", "dob_before": "2100-01-01"}, {"updated_since": "2000-01-01T00:00:00Z"},
                 {"status": "", "colony": ""}, {"ordering": "-date_of_birth", "status": "alive"},
                 # invalid: the FilterSet's 400, whichever path
                 {"status": "bogus"}, {"dob_after": "someday"}, {"room": "x"}, {"is_baseline": "perhaps"},
                 {"updated_since": "yesterday", "colony": colony}],
        "experiments": [{}, {"colony": colony}, {"mouse": mouse.specimen_id}, {"procedure": "nonsense"},
                        {"date_after": "2000-01-01"}, {"date_after": "not a date"}, {"status": "bogus"}],
        "scheduled-tests": [{}, {"colony": colony}, {"room": cage.rack.room_id}, {"overdue": "true"}],
    }


def test_the_fast_paths_answer_as_the_general_path(line, centre, other_centre, monkeypatch):
    """Rows, fields and errors of every lean list for plain, joined, method and invalid filters: the same answer
    (status and JSON) with the fast paths as with the FilterSet's form, `to_representation` and per-request SQL."""
    build_line(other_centre)
    client = _client(UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="lister"))
    queries = _fast_queries(line)
    with monkeypatch.context() as general:
        _general_path(general)
        expected = {route: [(r.status_code, r.json()) for r in (client.get(f"/api/v1/{route}/", q) for q in qs)]
                    for route, qs in queries.items()}
    for route, qs in queries.items():
        answers = [(r.status_code, r.json()) for r in (client.get(f"/api/v1/{route}/", q) for q in qs)]
        assert answers == expected[route], route
    statuses = [status for status, _ in expected["mice"]]
    # `is_baseline=perhaps` is no filter (a NullBooleanField reads it as None), the FilterSet's way too.
    assert statuses.count(400) == 4 and any(answer.get("count") for _, answer in expected["mice"][1:])


def test_the_simple_filters_answer_only_when_certain(line, centre):
    """`filter_simply` filters the mice as the FilterSet does for valid values, and leaves invalid values and
    FilterSets it cannot read (a request-dependent choice of rooms) to the FilterSet."""
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from colonies.api.views import MouseViewSet
    from lims.lean_filters import filter_simply
    from procedures.api.views import ScheduledTestViewSet

    user = UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="lister")
    for query in _fast_queries(line)["mice"]:
        request = Request(APIRequestFactory().get("/api/v1/mice/", query))
        request.user = user
        view = MouseViewSet(request=request, format_kwarg=None, action="list")
        full = DjangoFilterBackend().get_filterset(request, Mouse.objects.all(), view)
        fast = filter_simply(MouseViewSet.filterset_class, request, Mouse.objects.all())
        if full.is_valid():
            assert fast is not None, query
            assert sorted(fast.values_list("pk", flat=True)) == sorted(full.qs.values_list("pk", flat=True)), query
        else:
            assert fast is None, query
    request = Request(APIRequestFactory().get("/api/v1/scheduled-tests/", {"colony": "x"}))
    request.user = user
    assert filter_simply(ScheduledTestViewSet.filterset_class, request, ScheduledTestViewSet.queryset) is None


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_the_converters_write_what_the_fields_write(zone):
    """Each plan converter against its field's `to_representation`, for the values the database gives and others."""
    import zoneinfo
    from decimal import Decimal

    from django.utils import timezone
    from rest_framework import serializers

    from colonies.models import Mouse as MouseModel
    from lims.lean_convert import bind, converter

    utc, tokyo = dt.timezone.utc, zoneinfo.ZoneInfo("Asia/Tokyo")
    cases = [
        (serializers.DateTimeField(), [dt.datetime(2026, 3, 29, 0, 30, tzinfo=utc), dt.datetime(2026, 7, 1, 12, 0, 0,
              123456, tzinfo=tokyo), dt.datetime(2026, 1, 1, 9, 0), "2026-01-01T00:00:00Z"]),
        (serializers.DateField(), [dt.date(2026, 2, 28), "2026-02-28"]),
        (serializers.CharField(), ["text", "", 12, Decimal("1.50")]),
        (serializers.IntegerField(), [0, 7, True, "8"]),
        (serializers.BooleanField(), [True, False, 1, "true"]),
        (serializers.ChoiceField(choices=MouseModel.Status.choices), ["alive", MouseModel.Status.DEAD, ""]),
        (serializers.ChoiceField(choices=[(1, "one"), (2, "two")]), [1, "2"]),
    ]
    with timezone.override(zone):
        for field, values in cases:
            unchanged, convert = converter(field)
            convert = bind(convert)
            for value in values:
                written = value if type(value) is unchanged else convert(value)
                assert written == field.to_representation(value), (field, value)
                assert type(written) is type(field.to_representation(value)) or isinstance(written, str), value
