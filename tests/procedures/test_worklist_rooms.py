"""The worklist room by room and cage by cage: current cage and room, room filter, query count, print stylesheet."""
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.models import Parameter
from tests.factories import (
    BODY_WEIGHT_VALUES,
    CageFactory,
    CagePlacementFactory,
    MouseFactory,
    ProcedureFactory,
    RackFactory,
    RoomFactory,
    body_weight_procedure,
)
from tests.procedures.helpers import scheduled_test

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 3, 9)
DAY = {"day": "2026-03-11"}


def _housed(centre, specimen_id, cage, *, procedure, started=dt.date(2026, 2, 1)):
    mouse = MouseFactory(centre=centre, specimen_id=specimen_id)
    CagePlacementFactory(mouse=mouse, cage=cage, started_on=started)
    scheduled_test(mouse, procedure, due=DUE)
    return mouse


@pytest.fixture
def house(tech):
    """GIVEN two rooms of the tech's centre: room A with rack R1 (cages A-2 at position 2, A-1 at 1) and room B with
    one cage; a mouse moved out of A-1 into B-1 (its old placement ended) and a mouse in no cage."""
    centre, weight = tech.centre, body_weight_procedure()
    room_a = RoomFactory(centre=centre, building="MLC", name="A")
    room_b = RoomFactory(centre=centre, building="MLC", name="B")
    rack_a, rack_b = RackFactory(room=room_a, centre=centre, name="R1"), RackFactory(room=room_b, centre=centre)
    a1 = CageFactory(centre=centre, cage_id="A-1", rack=rack_a, position="1")
    a2 = CageFactory(centre=centre, cage_id="A-2", rack=rack_a, position="2")
    b1 = CageFactory(centre=centre, cage_id="B-1", rack=rack_b, position="1")
    _housed(centre, "M-A2", a2, procedure=weight)
    _housed(centre, "M-A1-Y", a1, procedure=weight)
    _housed(centre, "M-A1-X", a1, procedure=weight)
    moved = _housed(centre, "M-MOVED", a1, procedure=weight, started=dt.date(2026, 1, 20))
    moved.placements.update(ended_on=dt.date(2026, 2, 1))
    CagePlacementFactory(mouse=moved, cage=b1, started_on=dt.date(2026, 2, 1))
    scheduled_test(MouseFactory(centre=centre, specimen_id="M-LOOSE"), weight, due=DUE)
    return {"A": room_a, "B": room_b, "A-1": a1, "A-2": a2, "B-1": b1, "weight": weight}


def _page(client, **params):
    return client.get(reverse("procedures:worklist"), {**DAY, **params}).content.decode()


def _order(content, names):
    return sorted(names, key=content.index)


def test_worklist_groups_tests_by_room_then_cage_in_rack_order(client, tech, house):
    client.force_login(tech)
    content = _page(client)

    # Room A before room B, and "not in a room" last; within A, cage A-1 (position 1) before A-2 (position 2).
    assert _order(content, ["M-A1-X", "M-A1-Y", "M-A2", "M-MOVED", "M-LOOSE"]) == [
        "M-A1-X", "M-A1-Y", "M-A2", "M-MOVED", "M-LOOSE"]
    assert content.index("MLC / A") < content.index("MLC / B") < content.index("Not in a room")
    # Each mouse shows its cage (linked) where it is now, not where it was.
    a1_url, b1_url = (reverse("colonies:cage_detail", args=[house[c].pk]) for c in ("A-1", "B-1"))
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*M-MOVED(?:(?!</tr>).)*</tr>", content, re.DOTALL).group(0)
    assert f'href="{b1_url}"' in row and a1_url not in row
    assert f'href="{a1_url}">A-1</a>' in content


def test_room_filter_lists_only_the_mice_housed_in_that_room_now(client, tech, house):
    client.force_login(tech)
    content = _page(client, room=house["B"].pk)
    assert "M-MOVED" in content
    assert not any(name in content for name in ("M-A1-X", "M-A2", "M-LOOSE"))
    room_a = _page(client, room=house["A"].pk)
    assert "M-A1-X" in room_a and "M-MOVED" not in room_a


def test_room_select_offers_only_the_centres_rooms(client, tech, outsider, house):
    theirs = RoomFactory(centre=outsider.centre, building="Elsewhere", name="Z")
    client.force_login(tech)
    content = _page(client)
    assert f'<option value="{house["A"].pk}"' in content and "Elsewhere" not in content
    # Another centre's room is not a choice: the filter is ignored rather than revealing anything.
    assert "M-A1-X" in _page(client, room=theirs.pk)


def test_room_and_procedure_filters_combine(client, tech, house):
    grip = ProcedureFactory(key="IMPC_GRS_001", name="Grip Strength", week=9)
    Parameter.objects.create(procedure=grip, key="IMPC_GRS_003_001", name="Body weight", type="simple",
                             value_type="FLOAT", unit="g")
    scheduled_test(house["A-1"].placements.get(mouse__specimen_id="M-A1-X").mouse, grip, due=DUE)
    client.force_login(tech)
    content = _page(client, room=house["A"].pk, procedure="IMPC_GRS_001")
    assert "Record Grip Strength for M-A1-X" in content
    assert "Record Body Weight" not in content and "M-A2" not in content


def test_recording_from_a_rooms_list_comes_back_to_it(client, tech, house):
    client.force_login(tech)
    content = _page(client, room=house["A"].pk)
    link = re.search(r'href="([^"]+)" aria-label="Record Body Weight for M-A1-X"', content).group(1)
    link = link.replace("&amp;", "&")
    assert f"room={house['A'].pk}" in link and "day=2026-03-11" in link

    data = {"date_of_experiment": "2026-03-10", "experimenter": "tech", **BODY_WEIGHT_VALUES}
    response = client.post(link, data)

    assert response.status_code == 302
    assert response.url.startswith(reverse("procedures:worklist") + "?")
    assert f"room={house['A'].pk}" in response.url and "day=2026-03-11" in response.url
    assert "Record Body Weight for M-A1-X" not in client.get(response.url).content.decode()


def _house_mice(tech, start, stop):
    centre, weight = tech.centre, body_weight_procedure()
    rack = RackFactory(room=RoomFactory(centre=centre), centre=centre)
    for n in range(start, stop):
        _housed(centre, f"Q{n:03d}", CageFactory(centre=centre, rack=rack, position=str(n)), procedure=weight)


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        content = _page(client, period="week")
    return len(queries), content.count('aria-label="Record Body Weight')


def test_worklist_query_count_does_not_grow_with_the_tests(client, tech):
    """GIVEN 5 housed mice due, then 30 in two rooms WHEN the week's worklist is shown THEN the same number of
    queries runs both times."""
    client.force_login(tech)
    _house_mice(tech, 0, 5)
    five, rows = _count_queries(client)
    assert rows == 5
    _house_mice(tech, 5, 30)
    thirty, rows = _count_queries(client)
    assert rows == 30
    assert five == thirty


@pytest.mark.parametrize("count", [5, 30])
def test_worklist_queries_are_pinned(client, tech, count, django_assert_max_num_queries):
    """The same ceiling for 5 and 30 housed mice: cages and rooms come in one prefetch, never a query per row."""
    _house_mice(tech, 0, count)
    client.force_login(tech)
    with django_assert_max_num_queries(9):
        content = _page(client, period="week")
    assert content.count('aria-label="Record Body Weight') == count


def test_print_stylesheet_drops_the_filters_and_actions():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "lims.css").read_text()
    blocks = re.findall(r"@media print \{(.*?)\n\}", css, re.DOTALL)
    assert any(".worklist-filters" in b and ".table__action" in b for b in blocks)
