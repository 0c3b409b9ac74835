"""A unique value taken by a concurrent request answers 400 naming the field, never 500 (issue 17, point 7).

`full_clean()` checks uniqueness before the insert; a second request that checks while the first has inserted but
not committed passes that check, waits on the unique index, and fails when the first commits. The probe found 52
such 500s in 288 concurrent creates (rooms, cages, assays, ES cells, attempts, mice, phenotyping attempts, sample
IDs, mouse alleles). Three kinds of tests, on the real PostgreSQL with committed transactions:

- deterministic: this thread inserts the value and keeps its transaction open; the request runs in another
  thread, passes the check, blocks on the index; the commit makes its insert fail. Every listed create path.
- real concurrency: twenty threads released together create one name (as tests/security/test_concurrency.py).
- the mapping for every table: any unique violation, raised by the database for any model, names a field.
"""
import datetime as dt
import threading
import time

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, connections, models, transaction
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from colonies.models import Cage, EsCell, GenotypingAssay, MicroInjection, Mouse, Room
from lims.integrity import UniqueViolationMiddleware, constraint_fields, unique_violation_error
from lims.models import Role
from tests.factories import (
    CageFactory,
    CentreFactory,
    ColonyFactory,
    EsCellFactory,
    GenotypingAssayFactory,
    GenotypingSampleFactory,
    MicroInjectionFactory,
    MouseFactory,
    PlanFactory,
    RoomFactory,
    UserFactory,
    ZygosityRuleFactory,
)
from tests.security.races import race
from tests.security.routes import build_line

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date.today()


@pytest.fixture
def admin():
    centre = CentreFactory(code="H", name="Harwell", default_project="BaSH")
    return UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="race-admin")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _wait_until_a_backend_waits_on_a_lock(thread: threading.Thread, timeout: float = 20) -> None:
    """Poll pg_stat_activity (its snapshot is per transaction, hence the clear) until another backend waits, or the
    request has answered without waiting (the test then shows what it answered)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and thread.is_alive():
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)


def _behind_an_open_insert(hold, request):
    """Run `request()` in a thread while `hold()`'s insert of the same value is uncommitted; return its answer."""
    answer = {}

    def run():
        try:
            answer["response"] = request()
        except Exception as error:  # noqa: BLE001 - a crash is what the test reports
            answer["response"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    with transaction.atomic():
        hold()
        thread.start()
        _wait_until_a_backend_waits_on_a_lock(thread)
    thread.join(timeout=60)
    return answer["response"]


def _cases(admin):
    """(name, hold the value, the API request that creates it again, the field the answer must name)."""
    centre = admin.centre
    plan = PlanFactory(centre=centre)
    es_cell = EsCellFactory(centre=centre, gene=plan.gene)
    colony = ColonyFactory(centre=centre)
    mouse = MouseFactory(centre=centre, colony=colony, date_of_birth=TODAY - dt.timedelta(days=60))
    rule = ZygosityRuleFactory(assay=GenotypingAssayFactory(centre=centre, allele="Race<tm1>"))
    client = _api(admin)
    return {
        "rooms": (lambda: RoomFactory(centre=centre, building="B1", name="Race room"),
                  lambda: client.post("/api/v1/rooms/", {"building": "B1", "name": "Race room"}), "name"),
        "cages": (lambda: CageFactory(centre=centre, cage_id="C-RACE"),
                  lambda: client.post("/api/v1/cages/", {"cage_id": "C-RACE", "opened_on": TODAY}), "cage_id"),
        "genotyping-assays": (
            lambda: GenotypingAssayFactory(centre=centre, name="PCR-RACE"),
            lambda: client.post("/api/v1/genotyping-assays/", {"name": "PCR-RACE", "allele": "Race<tm1>",
                                                               "calls": ["both bands"]}, format="json"), "name"),
        "es-cells": (lambda: EsCellFactory(centre=centre, name="EPD-RACE", gene=plan.gene),
                     lambda: client.post("/api/v1/es-cells/", {"name": "EPD-RACE", "gene": plan.gene.symbol,
                                                               "parental_cell_line": "JM8A3.N1"}), "name"),
        "microinjections": (
            lambda: MicroInjectionFactory(centre=centre, plan=plan, es_cell=es_cell, external_ref="MI-RACE"),
            lambda: client.post("/api/v1/microinjections/", {"plan": plan.pk, "es_cell": es_cell.name,
                                                             "external_ref": "MI-RACE", "mi_date": TODAY}),
            "external_ref"),
        "mice": (lambda: MouseFactory(centre=centre, colony=colony, specimen_id="RACE-001"),
                 lambda: client.post("/api/v1/mice/", {"specimen_id": "RACE-001", "colony": colony.name,
                                                       "strain": mouse.strain.name, "sex": "male",
                                                       "date_of_birth": TODAY - dt.timedelta(days=30)}),
                 "specimen_id"),
        "phenotyping-attempts": (
            lambda: colony.phenotyping_attempts.create(centre=centre, colony_name="RACE_H"),
            lambda: client.post("/api/v1/phenotyping-attempts/", {"parent_colony": colony.name,
                                                                  "colony_name": "RACE_H"}), "colony_name"),
        "genotyping-samples": (
            lambda: GenotypingSampleFactory(mouse=MouseFactory(centre=centre, colony=colony), sample_id="S-RACE"),
            lambda: client.post("/api/v1/genotypes/", {
                "mouse": mouse.specimen_id, "assay": rule.assay.name, "call": rule.call, "tested_on": TODAY,
                "sample_id": "S-RACE", "collected_on": TODAY}), "sample_id"),
        "mouse-alleles": (
            lambda: mouse.alleles.create(allele="Race<tm1>", zygosity="heterozygous"),
            lambda: client.post("/api/v1/genotypes/", {
                "mouse": mouse.specimen_id, "assay": rule.assay.name, "call": rule.call, "tested_on": TODAY,
                "sample_id": "S-ALLELE", "collected_on": TODAY}), "allele"),
    }


CASES = ["rooms", "cages", "genotyping-assays", "es-cells", "microinjections", "mice", "phenotyping-attempts",
         "genotyping-samples", "mouse-alleles"]


@pytest.mark.parametrize("case", CASES)
def test_a_create_behind_an_uncommitted_same_value_answers_400_naming_the_field(admin, case):
    hold, request, field = _cases(admin)[case]

    response = _behind_an_open_insert(hold, request)

    assert not isinstance(response, Exception), response
    assert response.status_code == 400, (response.status_code, getattr(response, "content", b"")[:500])
    body = response.json()
    assert field in body["errors"], body
    assert "already" in body["errors"][field][0], body


def test_an_html_form_behind_an_uncommitted_same_name_shows_the_error_on_the_field(admin):
    client = Client()
    client.force_login(admin)

    response = _behind_an_open_insert(
        lambda: RoomFactory(centre=admin.centre, building="B1", name="Form room"),
        lambda: client.post("/colony/rooms/new/", {"building": "B1", "name": "Form room"}))

    assert not isinstance(response, Exception), response
    assert response.status_code == 200  # the form again, with the message on the field
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert Room.objects.filter(name="Form room").count() == 1


@pytest.mark.parametrize("route, body, model, lookup", [
    ("rooms", {"building": "B2", "name": "Twenty"}, Room, {"name": "Twenty"}),
    ("cages", {"cage_id": "C-TWENTY", "opened_on": TODAY}, Cage, {"cage_id": "C-TWENTY"}),
    ("genotyping-assays", {"name": "PCR-TWENTY", "allele": "Twenty<tm1>", "calls": ["both bands"]}, GenotypingAssay,
     {"name": "PCR-TWENTY"}),
    ("es-cells", {"name": "EPD-TWENTY", "parental_cell_line": "JM8A3.N1"}, EsCell, {"name": "EPD-TWENTY"}),
    ("microinjections", {"external_ref": "MI-TWENTY", "mi_date": TODAY}, MicroInjection,
     {"external_ref": "MI-TWENTY"}),
    ("mice", {"specimen_id": "TWENTY-1", "sex": "female", "date_of_birth": TODAY - dt.timedelta(days=20)}, Mouse,
     {"specimen_id": "TWENTY-1"}),
])
def test_twenty_concurrent_creates_of_one_name_give_one_record_and_400s(admin, route, body, model, lookup):
    plan = PlanFactory(centre=admin.centre)
    es_cell = EsCellFactory(centre=admin.centre, gene=plan.gene)
    colony = ColonyFactory(centre=admin.centre)
    extra = {"es-cells": {"gene": plan.gene.symbol}, "microinjections": {"plan": plan.pk, "es_cell": es_cell.name},
             "mice": {"colony": colony.name, "strain": colony.background_strain.name}}.get(route, {})

    def create(_i):
        response = _api(admin).post(f"/api/v1/{route}/", {**body, **extra}, format="json")
        return response.status_code, response.json()

    results = race(20, create)

    crashes = [r for r in results if not isinstance(r, tuple)]
    assert not crashes, crashes[:3]
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1 and set(statuses) == {201, 400}, (statuses, results[:2])
    refused = [body for status, body in results if status == 400]
    assert all("already" in " ".join(m for ms in body["errors"].values() for m in ms) for body in refused), refused[:2]
    assert model.objects.filter(**lookup).count() == 1


# --- The mapping, for every unique constraint of every table --------------------------------------------------


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in {"lims", "colonies", "procedures", "dcc"}
            and not m._meta.managed is False]


def _unique_models() -> list[type[models.Model]]:
    def has_unique(model):
        return any(isinstance(c, models.UniqueConstraint) for c in model._meta.constraints) or any(
            f.unique and not f.primary_key for f in model._meta.concrete_fields) or model._meta.unique_together
    return [m for m in _project_models() if has_unique(m)]


def test_every_declared_unique_constraint_resolves_to_fields_of_its_model():
    seen = 0
    for model in _project_models():
        names = {f.name for f in model._meta.concrete_fields}
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                fields, _ = constraint_fields(model, constraint.name)
                assert fields and set(fields) <= names, (model, constraint.name, fields)
                seen += 1
    assert seen >= 20


def test_a_duplicated_row_of_any_table_maps_to_a_400_on_one_of_its_fields(centre):
    """Copy one row of every table with a unique constraint (all columns but the id) with plain SQL: PostgreSQL
    refuses it, and the mapping names a field of that model in words, whichever constraint fired."""
    build_line(centre)
    mapped = []
    for model in _unique_models():
        row = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
        if row is None:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
                            if not f.primary_key)
        pk = connection.ops.quote_name(model._meta.pk.column)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} WHERE {pk} = %s",
                               [row])
        except IntegrityError as error:
            if getattr(error.__cause__, "sqlstate", None) != "23505":
                continue  # another rule (a check constraint) refused the copy first
            answer = unique_violation_error(error)
            assert answer is not None, (model, error)
            (field, messages), = answer.message_dict.items()
            assert field in {f.name for f in model._meta.concrete_fields}, (model, field, messages)
            assert "already exists" in messages[0], messages
            mapped.append(model._meta.label)
    # Every table the demo line fills whose unique constraint a plain copy violates (conditional ones may not be).
    assert len(mapped) >= 25, mapped
    for expected in ("colonies.Room", "colonies.Cage", "colonies.GenotypingAssay", "colonies.EsCell",
                     "colonies.MicroInjection", "colonies.Mouse", "colonies.PhenotypingAttempt",
                     "colonies.GenotypingSample", "colonies.MouseAllele", "colonies.Colony"):
        assert expected in mapped, mapped


def test_the_middleware_answers_an_escaped_unique_violation_with_a_400_page(centre):
    room = RoomFactory(centre=centre, building="B9", name="Escaped")
    try:
        with transaction.atomic():
            Room.objects.create(centre=centre, building=room.building, name=room.name)
    except IntegrityError as error:
        escaped = error
    request = RequestFactory().post("/colony/rooms/new/")
    request.user = UserFactory(centre=centre)

    response = UniqueViolationMiddleware(lambda r: None).process_exception(request, escaped)

    assert response.status_code == 400
    assert "A room with this building and name already exists in your centre." in response.content.decode()
    assert UniqueViolationMiddleware(lambda r: None).process_exception(request, ValueError("other")) is None
