"""The audit trail is written by database triggers: every write is an event with who, when, why, old and new."""
import pytest
from django.db import DatabaseError, connection, transaction
from pghistory.models import Events

from colonies.models import Colony, Mouse
from lims.audit import audit_context, history_for
from tests.factories import ColonyFactory, MouseFactory

pytestmark = pytest.mark.django_db


def test_api_write_leaves_an_event_naming_the_user(auth_client, tech):
    mouse = MouseFactory(centre=tech.centre)
    response = auth_client(tech).patch(
        f"/api/v1/mice/{mouse.pk}/", {"litter_code": "NEW-LITTER"}, HTTP_X_CHANGE_REASON="typo in litter"
    )
    assert response.status_code == 200, response.content
    events = history_for(mouse)
    update = events[-1]
    assert update["event"] == "update"
    assert update["user"] == "tech"
    assert update["reason"] == "typo in litter"
    assert update["changes"]["litter_code"][1] == "NEW-LITTER"
    assert update["changes"]["litter_code"][0] == mouse.litter_code
    assert update["request_id"]
    assert update["action"] == "colonies.mouse.updated"


def test_queryset_update_is_captured_with_its_context(tech):
    mice = MouseFactory.create_batch(3, centre=tech.centre)
    with audit_context(user=tech.pk, reason="bulk status fix"):
        Mouse.objects.filter(pk__in=[m.pk for m in mice]).update(status=Mouse.Status.USED)
    updates = [e for e in Events.objects.across(Mouse.pgh_event_models["update"]) if e.pgh_label == "update"]
    assert len(updates) == 3
    assert {e.pgh_context["reason"] for e in updates} == {"bulk status fix"}
    assert {e.pgh_context["user"] for e in updates} == {tech.pk}


@pytest.mark.parametrize("factory", [MouseFactory, ColonyFactory])
def test_delete_of_a_scientific_record_is_refused_by_the_database(factory):
    record = factory()
    with pytest.raises(DatabaseError), transaction.atomic():
        record.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {record._meta.db_table} WHERE id = %s", [record.pk])
    assert type(record).objects.filter(pk=record.pk).exists()


def test_events_are_append_only(tech):
    colony = ColonyFactory(centre=tech.centre)
    Colony.objects.filter(pk=colony.pk).update(allele_symbol="changed")
    table = Colony.pgh_event_models["update"]._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET name = 'forged'")
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")


def test_void_keeps_the_record_and_needs_a_reason(auth_client, manager):
    mouse = MouseFactory(centre=manager.centre)
    client = auth_client(manager)
    short = client.post(f"/api/v1/mice/{mouse.pk}/void/", {"reason": "oops"})
    assert short.status_code == 400
    assert "reason" in short.json()["errors"]
    ok = client.post(f"/api/v1/mice/{mouse.pk}/void/", {"reason": "entered twice by mistake"})
    assert ok.status_code == 200, ok.content
    mouse.refresh_from_db()
    assert mouse.voided_at is not None and mouse.void_reason == "entered twice by mistake"
    again = client.post(f"/api/v1/mice/{mouse.pk}/void/", {"reason": "entered twice by mistake"})
    assert again.status_code == 409
    history = client.get(f"/api/v1/mice/{mouse.pk}/history/").json()
    assert history[-1]["user"] == "manager"
    assert "entered twice by mistake" in history[-1]["reason"]


def test_management_commands_attribute_their_writes(db):
    from django.core.management import call_command

    call_command("load_reference", verbosity=0)
    from lims.models import Centre

    events = Events.objects.across(Centre.pgh_event_models["insert"])
    contexts = {(e.pgh_context or {}).get("command") for e in events}
    assert contexts == {"load_reference"}
