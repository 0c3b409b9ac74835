"""The hook through which phenotyping hears of a mouse's death or cull, without breeding importing phenotyping.

`colonies.hooks` holds the functions other apps register; `procedures` registers the one that closes a dead or
culled mouse's open tests (IMPC_PSC_001/002). These tests check the contract of the hook itself: it is registered at
start-up, runs once per saved status change and only then, sees the new status, and runs in the service's
transaction, so a failing hook leaves the mouse as it was.
"""
import datetime as dt

import pytest

from colonies import hooks
from colonies.models import Mouse
from colonies.services import mice_set_status, mouse_update
from procedures.models import ScheduledTest
from procedures.services import scheduled_tests_close_for_mouse
from tests.factories import MouseFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """A recording hook registered for the test only: (specimen id, status seen in the database, actor)."""
    calls = []

    def record(*, mouse, actor):
        stored = Mouse.objects.values_list("status", flat=True).get(pk=mouse.pk)
        calls.append((mouse.specimen_id, stored, actor.username))

    monkeypatch.setattr(hooks.MOUSE_STATUS_CHANGED, "functions", [*hooks.MOUSE_STATUS_CHANGED, record])
    return calls


def test_phenotyping_registers_its_test_closer_at_start_up():
    assert scheduled_tests_close_for_mouse in list(hooks.MOUSE_STATUS_CHANGED)


def test_registering_a_hook_twice_runs_it_once(monkeypatch, tech):
    calls = []

    def count(*, mouse, actor):
        calls.append(mouse.pk)

    monkeypatch.setattr(hooks.MOUSE_STATUS_CHANGED, "functions", [])
    hooks.mouse_status_changed_register(count)
    hooks.mouse_status_changed_register(count)
    mouse = MouseFactory(centre=tech.centre)
    mouse_update(instance=mouse, actor=tech, status=Mouse.Status.DEAD, status_date=dt.date(2026, 2, 20))
    assert calls == [mouse.pk]


def test_a_status_change_calls_the_hook_with_the_saved_status(heard, tech):
    mouse = MouseFactory(centre=tech.centre, specimen_id="H-HOOK-1")
    mouse_update(instance=mouse, actor=tech, status=Mouse.Status.CULLED, status_date=dt.date(2026, 2, 20))
    assert heard == [("H-HOOK-1", Mouse.Status.CULLED, "tech")]


def test_a_change_that_keeps_the_status_calls_no_hook(heard, tech):
    mouse = MouseFactory(centre=tech.centre)
    mouse_update(instance=mouse, actor=tech, ear_mark="R1")
    assert heard == []


def test_culling_several_mice_calls_the_hook_for_each(heard, manager):
    mice = [MouseFactory(centre=manager.centre, specimen_id=f"H-HOOK-{n}", date_of_birth=dt.date(2026, 1, 5))
            for n in (1, 2)]
    mice_set_status(actor=manager, mice=mice, status=Mouse.Status.CULLED, on=dt.date(2026, 2, 20),
                    reason="End of study")
    assert heard == [("H-HOOK-1", Mouse.Status.CULLED, "manager"), ("H-HOOK-2", Mouse.Status.CULLED, "manager")]


def test_a_failing_hook_rolls_the_status_change_back_with_the_closed_tests(monkeypatch, tech):
    """GIVEN phenotyping's closer registered and a later hook that fails WHEN a mouse is marked dead THEN the error
    reaches the caller and neither the death nor the closed test is stored: one transaction holds them all."""
    def refuse(*, mouse, actor):
        raise RuntimeError("hook failed")

    monkeypatch.setattr(hooks.MOUSE_STATUS_CHANGED, "functions", [*hooks.MOUSE_STATUS_CHANGED, refuse])
    mouse = MouseFactory(centre=tech.centre)
    test = scheduled_test(mouse, body_weight_procedure(), due=dt.date(2026, 3, 2))

    with pytest.raises(RuntimeError, match="hook failed"):
        mouse_update(instance=mouse, actor=tech, status=Mouse.Status.DEAD, status_date=dt.date(2026, 2, 20))

    assert Mouse.objects.get(pk=mouse.pk).status == Mouse.Status.ALIVE
    assert ScheduledTest.objects.get(pk=test.pk).status == ScheduledTest.Status.SCHEDULED
