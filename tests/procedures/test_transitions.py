"""Every (from, to) pair of the scheduled-test status machine, each driven by the service of its verb."""
import datetime as dt
import itertools

import pytest

from lims.exceptions import Conflict, InvalidTransition
from procedures import services
from procedures.models import ScheduledTest
from procedures.services import EnteredValue
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

S = ScheduledTest.Status


def _record(test, actor):
    return services.experiment_record(
        mouse=test.mouse, procedure=test.procedure, scheduled_test=test, actor=actor,
        date_of_experiment=dt.date(2026, 2, 2), values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()},
    )


VERBS = {
    S.DONE: _record,
    S.MISSED: lambda test, actor: services.scheduled_test_mark_missed(test=test, actor=actor),
    S.NOT_PERFORMED: lambda test, actor: services.scheduled_test_mark_not_performed(
        test=test, code="IMPC_PSC_003", reason="Welfare: the mouse was losing weight.", actor=actor),
    S.CANCELLED: lambda test, actor: services.scheduled_test_cancel(test=test, reason="Enrolled by mistake.",
                                                                    actor=actor),
}


@pytest.mark.parametrize(("from_", "to"), [p for p in itertools.product(S, VERBS) if p[0] != p[1]])
def test_scheduled_test_moves_only_where_the_table_allows(tech, from_, to):
    mouse = MouseFactory(centre=tech.centre)
    test = scheduled_test(mouse, body_weight_procedure(), status=from_, due=dt.date(2026, 2, 2))
    if to in ScheduledTest.TRANSITIONS.get(from_, set()):
        VERBS[to](test, tech)
        test.refresh_from_db()
        assert test.status == to
        assert test.status_changed_at is not None or to == S.DONE
    else:
        with pytest.raises(Conflict):
            VERBS[to](test, tech)
        test.refresh_from_db()
        assert test.status == from_


def test_no_status_leads_back_to_scheduled():
    assert all(S.SCHEDULED not in targets for targets in ScheduledTest.TRANSITIONS.values())


def test_terminal_statuses_have_no_way_out():
    assert not set(ScheduledTest.TERMINAL) & set(ScheduledTest.TRANSITIONS)
    assert set(ScheduledTest.TERMINAL) | set(ScheduledTest.OPEN) == set(S)


def test_transition_loses_a_race_cleanly(tech):
    """GIVEN a test loaded by two people WHEN one cancels it THEN the other's stale "not performed" is refused."""
    mouse = MouseFactory(centre=tech.centre)
    test = scheduled_test(mouse, body_weight_procedure())
    stale = ScheduledTest.objects.get(pk=test.pk)
    services.scheduled_test_cancel(test=test, reason="Wrong pipeline.", actor=tech)
    with pytest.raises(InvalidTransition):
        services.scheduled_test_mark_not_performed(test=stale, code="IMPC_PSC_004", reason="Schedule.", actor=tech)
    test.refresh_from_db()
    assert test.status == S.CANCELLED
