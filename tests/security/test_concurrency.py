"""Races on the real PostgreSQL: threads with their own connections, committed transactions (transactional_db).

- 20 people create the same colony name at once: one row, the others a clean 400/409, never a 500.
- 100 people save the same record from the same (stale) version: exactly one wins, the rest get 409 — no silent
  overwrite — for colonies, mice, matings and experiments.
"""
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from colonies.models import Colony
from lims.models import Role
from procedures.services import EnteredValue
from tests.factories import (
    BODY_WEIGHT_VALUES,
    CentreFactory,
    ColonyFactory,
    MicroInjectionFactory,
    MouseFactory,
    UserFactory,
    body_weight_procedure,
    pair_mating,
)
from tests.security.races import race

pytestmark = pytest.mark.django_db(transaction=True)



def _client(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def admin():
    centre = CentreFactory(code="H", name="Harwell", default_project="BaSH")
    return UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="race-admin")


def test_twenty_concurrent_creates_of_one_colony_name(admin):
    attempts = [MicroInjectionFactory(centre=admin.centre) for _ in range(20)]
    strain = ColonyFactory(centre=admin.centre).background_strain.name

    def create(i):
        return _client(admin).post("/api/v1/colonies/", {
            "name": "RACE-1", "gene": attempts[i].plan.gene.symbol, "microinjection": attempts[i].pk,
            "background_strain": strain, "genotype_status": "in_progress"}).status_code

    statuses = race(20, create)
    assert not [s for s in statuses if not isinstance(s, int)], statuses
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 400, 409}, statuses
    assert Colony.objects.filter(name__iexact="RACE-1").count() == 1


@pytest.mark.parametrize("kind", ["colonies", "mice", "matings", "experiments"])
def test_hundred_edits_from_one_stale_version(admin, kind):
    centre = admin.centre
    if kind == "colonies":
        record = ColonyFactory(centre=centre)
        url, field = f"/api/v1/colonies/{record.pk}/", "allele_symbol"
    elif kind == "mice":
        record = MouseFactory(centre=centre)
        url, field = f"/api/v1/mice/{record.pk}/", "ear_mark"
    elif kind == "matings":
        record = pair_mating(centre=centre)
        url, field = f"/api/v1/matings/{record.pk}/", "notes"
    else:
        from procedures.services import experiment_record

        mouse = MouseFactory(centre=centre)
        record = experiment_record(mouse=mouse, procedure=body_weight_procedure(), date_of_experiment=mouse.date_of_birth,
                                   values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()},
                                   actor=admin)
        url, field = f"/api/v1/experiments/{record.pk}/edit/", None
    stale = type(record).objects.get(pk=record.pk).version
    client_of = {}

    def save(i):
        client = client_of.setdefault(threading.get_ident(), _client(admin))
        if field is None:
            body = {"entered_values": [{"parameter": "IMPC_BWT_001_001", "value": str(20 + i)}], "version": stale}
            return client.post(url, body).status_code, str(20 + i)
        return client.patch(url, {field: f"edit-{i}", "version": stale}).status_code, f"edit-{i}"

    results = race(100, save)
    assert not [r for r in results if not isinstance(r, tuple)], [r for r in results if not isinstance(r, tuple)][:3]
    statuses = [s for s, _ in results]
    assert statuses.count(200) == 1 and statuses.count(409) == 99, sorted(set(statuses))
    winner = next(value for status, value in results if status == 200)
    record.refresh_from_db()
    assert record.version == stale + 1
    if field is None:
        assert float(record.values.get(parameter__key="IMPC_BWT_001_001").value) == float(winner)
    else:
        assert getattr(record, field) == winner
    assert connection.vendor == "postgresql"
