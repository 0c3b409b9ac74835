"""The colony-management API: /api/v1/mice/, cages, matings, litters — rules, filters, history, scoping."""
import datetime as dt

import pytest

from colonies.models import CagePlacement, Mouse
from tests.colonies.helpers import ADULT, adult
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    LitterFactory,
    MouseFactory,
    RoomFactory,
    StrainFactory,
    pair_mating,
)

pytestmark = pytest.mark.django_db


def test_cage_and_mouse_with_generated_ids(auth_client, manager, colony):
    client = auth_client(manager)
    room = RoomFactory(centre=manager.centre)
    rack = client.post("/api/v1/racks/", {"room": room.pk, "name": "R1"}, format="json").json()
    cage = client.post("/api/v1/cages/", {"rack": rack["id"], "opened_on": "2026-01-02"}, format="json")
    assert cage.status_code == 201, cage.json()
    assert cage.json()["cage_id"] == "C-00001" and cage.json()["capacity"] == 5
    mouse = client.post("/api/v1/mice/", {"colony": colony.name, "strain": colony.background_strain.name,
                                          "sex": "male", "date_of_birth": "2026-01-01", "cage": "C-00001"},
                        format="json")
    assert mouse.status_code == 201, mouse.json()
    body = mouse.json()
    assert body["specimen_id"].startswith("H-") and body["current_cage"] == "C-00001" and body["zygosity"] == ""
    assert client.get("/api/v1/mice/?cage=C-00001").json()["count"] == 1
    assert client.get(f"/api/v1/mice/?room={room.pk}").json()["count"] == 1
    assert client.get(f"/api/v1/cages/?room={room.pk}").json()["results"][0]["occupancy"] == 1


def test_mating_warnings_need_confirm_and_rules_answer_400(auth_client, manager, colony):
    client = auth_client(manager)
    male = adult(colony, "male")
    female = adult(colony)
    other_strain = MouseFactory(centre=manager.centre, colony=colony, sex="female", date_of_birth=ADULT,
                                strain=StrainFactory(name="C3H/HeH"))
    payload = {"male": male.specimen_id, "females": [female.specimen_id, other_strain.specimen_id],
               "set_up_on": "2026-01-10"}
    first = client.post("/api/v1/matings/", payload, format="json")
    assert first.status_code == 400
    assert "different strains" in first.json()["errors"]["warnings"][0]
    assert "confirm=true" in first.json()["errors"]["confirm"][0]
    created = client.post("/api/v1/matings/", {**payload, "confirm": True}, format="json")
    assert created.status_code == 201, created.json()
    assert {row["female"] for row in created.json()["female_rows"]} == {female.specimen_id,
                                                                         other_strain.specimen_id}
    again = client.post("/api/v1/matings/", {"male": adult(colony, "male").specimen_id,
                                             "females": [female.specimen_id], "set_up_on": "2026-01-11"},
                        format="json")
    assert again.status_code == 400
    assert f"Female {female.specimen_id} is already in active mating" in again.json()["errors"]["females"][0]
    mating_id = created.json()["id"]
    assert client.post(f"/api/v1/matings/{mating_id}/end/", {"ended_on": "2026-03-01"}, format="json").status_code \
        == 200
    assert client.post(f"/api/v1/matings/{mating_id}/end/", {}, format="json").status_code == 409
    assert client.get("/api/v1/matings/?is_active=true").json()["count"] == 0
    history = client.get(f"/api/v1/matings/{mating_id}/history/").json()
    assert history[-1]["changes"]["ended_on"] == [None, "2026-03-01"]


def test_wean_seven_into_five_refused_then_split(auth_client, manager, colony):
    client = auth_client(manager)
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    cage = CageFactory(centre=manager.centre, capacity=5)
    weaned_on = (litter.born_on + dt.timedelta(days=21)).isoformat()
    seven = [{"sex": "female", "cage": cage.cage_id} for _ in range(7)]
    refused = client.post(f"/api/v1/litters/{litter.pk}/wean/", {"weaned_on": weaned_on, "pups": seven},
                          format="json")
    assert refused.status_code == 400
    assert f"Cage {cage.cage_id} holds at most 5 mice (capacity 5)" in refused.json()["errors"]["pups"][0]
    split = seven[:4] + [{"sex": "male", "new_cage_id": "W-77", "ear_mark": f"R{i}"} for i in range(3)]
    weaned = client.post(f"/api/v1/litters/{litter.pk}/wean/", {"weaned_on": weaned_on, "pups": split},
                         format="json")
    assert weaned.status_code == 201, weaned.json()
    assert len(weaned.json()["pups"]) == 7 and weaned.json()["weaned_on"] == weaned_on
    pups = client.get("/api/v1/mice/?cage=W-77").json()["results"]
    assert len(pups) == 3 and {p["sire"] for p in pups} == {litter.mating.male.specimen_id}
    assert {p["dam"] for p in pups} == {litter.dam.specimen_id}
    assert client.get("/api/v1/litters/?is_weaned=true").json()["count"] == 1


def test_litter_gestation_rule_over_the_api(auth_client, manager, colony):
    mating = pair_mating(centre=manager.centre, colony=colony, set_up_on=dt.date(2026, 1, 1))
    response = auth_client(manager).post("/api/v1/litters/", {"mating": mating.name, "born_on": "2026-01-10",
                                                              "born_count": 5, "alive_count": 5}, format="json")
    assert response.status_code == 400
    assert "cannot be born before 2026-01-19" in response.json()["errors"]["born_on"][0]


def test_bulk_move_and_cull(auth_client, manager, colony):
    client = auth_client(manager)
    cage = CageFactory(centre=manager.centre, capacity=3)
    mice = [adult(colony) for _ in range(4)]
    too_many = client.post("/api/v1/mice/move/", {"mice": [m.specimen_id for m in mice], "cage": cage.cage_id,
                                                  "date": "2026-02-01"}, format="json")
    assert too_many.status_code == 400 and "capacity 3" in too_many.json()["errors"]["cage"][0]
    moved = client.post("/api/v1/mice/move/", {"mice": [m.specimen_id for m in mice[:3]], "cage": cage.cage_id,
                                               "date": "2026-02-01"}, format="json")
    assert moved.status_code == 200 and {m["current_cage"] for m in moved.json()} == {cage.cage_id}
    culled = client.post("/api/v1/mice/cull/", {"mice": [m.specimen_id for m in mice[:2]], "status": "culled",
                                                "date": "2026-02-02", "reason": "Surplus stock"}, format="json")
    assert culled.status_code == 200
    assert {m["status"] for m in culled.json()} == {"culled"} and {m["current_cage"] for m in culled.json()} == {None}
    assert client.get("/api/v1/mice/?status=culled").json()["count"] == 2


def test_filters_on_mice(auth_client, manager, colony):
    client = auth_client(manager)
    adult(colony, "male", date_of_birth=dt.date(2026, 1, 1))
    adult(colony, "female", date_of_birth=dt.date(2026, 2, 1))
    since = Mouse.objects.order_by("updated_at").last().updated_at
    assert client.get("/api/v1/mice/?sex=male").json()["count"] == 1
    assert client.get("/api/v1/mice/?dob_after=2026-01-15&dob_before=2026-02-15").json()["count"] == 1
    assert client.get(f"/api/v1/mice/?colony={colony.name}").json()["count"] == 2
    assert client.get("/api/v1/mice/", {"updated_since": since.isoformat()}).json()["count"] == 1


def test_colony_filter_ignores_case_and_spaces_and_other_colonies(auth_client, manager, colony):
    other = ColonyFactory(centre=manager.centre)
    adult(colony, "male")
    adult(other, "female")
    client = auth_client(manager)
    mine = client.get("/api/v1/mice/", {"colony": f" {colony.name.lower()} ", "status": "alive"}).json()
    assert [m["colony"] for m in mine["results"]] == [colony.name]
    assert client.get("/api/v1/mice/", {"colony": "NO-SUCH-COLONY"}).json()["count"] == 0


def test_other_centres_records_are_404_and_read_only_is_403(auth_client, manager, readonly, outsider, colony):
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    cage = CageFactory(centre=manager.centre)
    for url in (f"/api/v1/cages/{cage.pk}/", f"/api/v1/matings/{litter.mating.pk}/", f"/api/v1/litters/{litter.pk}/",
                f"/api/v1/litters/{litter.pk}/history/"):
        assert auth_client(outsider).get(url).status_code == 404, url
    assert auth_client(outsider).post(f"/api/v1/litters/{litter.pk}/wean/", {}, format="json").status_code == 404
    assert auth_client(readonly).post("/api/v1/cages/", {"opened_on": "2026-01-01"}, format="json").status_code == 403
    # Another centre's mouse cannot be named in a mating either.
    foreign = MouseFactory(centre=outsider.centre, sex="female", date_of_birth=ADULT)
    response = auth_client(manager).post("/api/v1/matings/", {"male": litter.mating.male.specimen_id,
                                                              "females": [foreign.specimen_id],
                                                              "set_up_on": "2026-01-10"}, format="json")
    assert response.status_code == 400 and "females" in response.json()["errors"]


def test_mouse_list_query_count_does_not_grow_with_mice(auth_client, manager, colony, django_assert_max_num_queries):
    client = auth_client(manager)
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony))
    for _ in range(3):
        CagePlacementFactory(mouse=adult(colony, litter=litter))
    with django_assert_max_num_queries(4):
        small = client.get("/api/v1/mice/")
    for _ in range(20):
        CagePlacementFactory(mouse=adult(colony, litter=litter))
    with django_assert_max_num_queries(4):
        big = client.get("/api/v1/mice/")
    assert big.json()["count"] == small.json()["count"] + 20
    assert all(m["current_cage"] for m in big.json()["results"] if m["litter"])
    assert CagePlacement.objects.count() == 23
    pups = [m for m in big.json()["results"] if m["litter"] == litter.code]
    assert len(pups) == 23
    assert {(m["sire"], m["dam"]) for m in pups} == {(litter.mating.male.specimen_id, litter.dam.specimen_id)}
    placed = {p.mouse.specimen_id: p.cage.cage_id for p in CagePlacement.objects.select_related("mouse", "cage")}
    assert {m["specimen_id"]: m["current_cage"] for m in pups} == placed
