"""Filters of /api/v1/scheduled-tests/ (the same FilterSet as the HTML list): due range, status, procedure, colony,
cage and room (where the mouse is now)."""
import datetime as dt

import pytest
from django.urls import reverse

from procedures.models import ScheduledTest
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    MouseFactory,
    ProcedureFactory,
    RackFactory,
    RoomFactory,
    body_weight_procedure,
)
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

URL = "/api/v1/scheduled-tests/"


@pytest.fixture
def tests_(tech):
    """GIVEN four tests of the tech's centre: body weight for mice in cages A-1 (room A) and B-1 (room B), grip
    strength for a mouse moved from A-1 to B-1, and a done body weight for a mouse in no cage."""
    centre = tech.centre
    weight = body_weight_procedure()
    grip = ProcedureFactory(key="IMPC_GRS_001", name="Grip Strength", week=9)
    pax6, other = ColonyFactory(centre=centre, name="HAR-PAX6"), ColonyFactory(centre=centre, name="HAR-OTHER")
    room_a, room_b = RoomFactory(centre=centre, name="A"), RoomFactory(centre=centre, name="B")
    a1 = CageFactory(centre=centre, cage_id="A-1", rack=RackFactory(room=room_a, centre=centre))
    b1 = CageFactory(centre=centre, cage_id="B-1", rack=RackFactory(room=room_b, centre=centre))
    in_a, in_b = MouseFactory(centre=centre, colony=pax6), MouseFactory(centre=centre, colony=other)
    moved, loose = MouseFactory(centre=centre, colony=pax6), MouseFactory(centre=centre, colony=pax6)
    CagePlacementFactory(mouse=in_a, cage=a1)
    CagePlacementFactory(mouse=in_b, cage=b1)
    CagePlacementFactory(mouse=moved, cage=a1, started_on=dt.date(2026, 1, 1), ended_on=dt.date(2026, 2, 1))
    CagePlacementFactory(mouse=moved, cage=b1, started_on=dt.date(2026, 2, 1))
    return {
        "a": scheduled_test(in_a, weight, due=dt.date(2026, 3, 2)),
        "b": scheduled_test(in_b, weight, due=dt.date(2026, 3, 9)),
        "moved": scheduled_test(moved, grip, due=dt.date(2026, 3, 16)),
        "loose": scheduled_test(loose, weight, due=dt.date(2026, 3, 23), status=ScheduledTest.Status.DONE),
        "rooms": (room_a, room_b),
    }


def _ids(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def _named(tests_, *names):
    return {tests_[name].pk for name in names}


def test_due_date_range(auth_client, tech, tests_):
    client = auth_client(tech)
    assert _ids(client, due_after="2026-03-09", due_before="2026-03-16") == _named(tests_, "b", "moved")
    assert _ids(client, due_before="2026-03-02") == _named(tests_, "a")


def test_status(auth_client, tech, tests_):
    assert _ids(auth_client(tech), status="done") == _named(tests_, "loose")
    assert auth_client(tech).get(URL, {"status": "finished"}).status_code == 400


def test_procedure_key_case_insensitive(auth_client, tech, tests_):
    assert _ids(auth_client(tech), procedure="impc_grs_001") == _named(tests_, "moved")


def test_colony(auth_client, tech, tests_):
    assert _ids(auth_client(tech), colony="har-pax6") == _named(tests_, "a", "moved", "loose")


def test_cage_id_case_insensitive_and_current_placement_only(auth_client, tech, tests_):
    client = auth_client(tech)
    assert _ids(client, cage="a-1") == _named(tests_, "a")  # the moved mouse left A-1
    assert _ids(client, cage=" B-1 ") == _named(tests_, "b", "moved")
    assert _ids(client, cage="NOPE") == set()


def test_room_by_id_current_placement_only(auth_client, tech, tests_):
    room_a, room_b = tests_["rooms"]
    client = auth_client(tech)
    assert _ids(client, room=room_a.pk) == _named(tests_, "a")
    assert _ids(client, room=room_b.pk) == _named(tests_, "b", "moved")
    assert _ids(client, room=room_b.pk, procedure="IMPC_BWT_001", status="scheduled") == _named(tests_, "b")


def test_rows_say_where_the_mouse_is_now(auth_client, tech, tests_):
    rows = {row["id"]: row for row in auth_client(tech).get(URL).json()["results"]}
    room_a, room_b = tests_["rooms"]
    assert (rows[tests_["a"].pk]["cage"], rows[tests_["a"].pk]["room"]) == ("A-1", room_a.pk)
    assert (rows[tests_["moved"].pk]["cage"], rows[tests_["moved"].pk]["room"]) == ("B-1", room_b.pk)
    assert (rows[tests_["loose"].pk]["cage"], rows[tests_["loose"].pk]["room"]) == (None, None)


def test_another_centres_room_is_refused_not_probed(auth_client, tech, outsider, tests_):
    theirs = RoomFactory(centre=outsider.centre)
    response = auth_client(tech).get(URL, {"room": theirs.pk})
    assert response.status_code == 400
    assert "room" in str(response.json())


def test_filters_keep_the_list_query_count(auth_client, tech, tests_, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        assert len(_ids(auth_client(tech), room=tests_["rooms"][1].pk, cage="b-1")) == 2


def test_html_list_filters_by_cage_and_room_and_shows_them(client, tech, tests_):
    client.force_login(tech)
    url = reverse("procedures:scheduledtest_list")
    content = client.get(url, {"cage": "b-1"}).content.decode()
    assert tests_["b"].mouse.specimen_id in content and tests_["a"].mouse.specimen_id not in content
    assert reverse("colonies:cage_detail", args=[tests_["b"].mouse.placements.get().cage_id]) in content
    room_a = tests_["rooms"][0]
    content = client.get(url, {"room": room_a.pk}).content.decode()
    assert tests_["a"].mouse.specimen_id in content and tests_["b"].mouse.specimen_id not in content
    assert f'<option value="{room_a.pk}" selected' in content
