"""Census: mice and open cages per room and colony by sex and age band on a day, and cage-days over a range,
checked against figures counted by hand; the page, its filters, the Excel export, scoping and query counts."""
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from colonies.husbandry.census import NO_COLONY, NO_ROOM, cage_days, census
from colonies.models import Cage, Mouse
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    MouseFactory,
    RackFactory,
    RoomFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)  # the census day of the hand count
ROOM_A, ROOM_B = "MLC / A", "MLC / B"


def days_before(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


@pytest.fixture
def house(centre, other_centre):
    """GIVEN rooms A and B of Harwell:
    - A holds c1 (stock, open) and c2 (breeding, open from 1 Feb) and c3 (stock, closed 5 March);
    - B holds c4 (stock, opened 1 March), c5 (stock, opened 8 March, empty) and c6 (weaning, closed 15 Feb);
    - mice of colonies X and Y and one baseline mouse, one of each age band and sex, a mouse that moved from c3
      (room A) to c4 (room B) on 5 March, a mouse dead the day before D, one culled after D, one born after D,
      a voided mouse, and a mouse in no cage;
    and a JAX room, cage and mouse that must never count.
    """
    room_a = RoomFactory(centre=centre, building="MLC", name="A")
    room_b = RoomFactory(centre=centre, building="MLC", name="B")
    rack_a = RackFactory(centre=centre, room=room_a, name="RA")
    rack_b = RackFactory(centre=centre, room=room_b, name="RB")
    stock, breeding, weaning = Cage.CageType.STOCK, Cage.CageType.BREEDING, Cage.CageType.WEANING
    c1 = CageFactory(centre=centre, rack=rack_a, cage_id="c1", cage_type=stock, opened_on=dt.date(2026, 1, 1))
    c2 = CageFactory(centre=centre, rack=rack_a, cage_id="c2", cage_type=breeding, opened_on=dt.date(2026, 2, 1))
    c3 = CageFactory(centre=centre, rack=rack_a, cage_id="c3", cage_type=stock, opened_on=dt.date(2026, 1, 1),
                     closed_on=dt.date(2026, 3, 5))
    c4 = CageFactory(centre=centre, rack=rack_b, cage_id="c4", cage_type=stock, opened_on=dt.date(2026, 3, 1))
    CageFactory(centre=centre, rack=rack_b, cage_id="c5", cage_type=stock, opened_on=dt.date(2026, 3, 8))
    CageFactory(centre=centre, rack=rack_b, cage_id="c6", cage_type=weaning, opened_on=dt.date(2026, 1, 1),
                closed_on=dt.date(2026, 2, 15))
    CageFactory(centre=centre, rack=rack_b, cage_id="void", opened_on=dt.date(2026, 1, 1),
                voided_at=timezone.now())
    x = ColonyFactory(centre=centre, name="X")
    y = ColonyFactory(centre=centre, name="Y")
    male, female = Mouse.Sex.MALE, Mouse.Sex.FEMALE

    def mouse(specimen_id, colony, sex, age_days, cage=None, start=dt.date(2026, 1, 1), end=None, **extra):
        dob = days_before(age_days)
        m = MouseFactory(centre=centre, specimen_id=specimen_id, colony=colony, sex=sex, date_of_birth=dob, **extra)
        if cage is not None:
            CagePlacementFactory(mouse=m, cage=cage, started_on=max(start, dob), ended_on=end)
        return m

    mouse("m1", x, male, 10, c1)  # < 3 weeks
    mouse("m2", x, female, 30, c1)  # 3–8 weeks
    mouse("m3", y, female, 60, c1)  # 8–16 weeks, in a cage shared with colony X
    mouse("m4", x, male, 120, c2)  # 16–26 weeks
    mouse("m5", None, Mouse.Sex.NO_DATA, 200, c2, is_baseline=True)  # ≥ 26 weeks, no colony, sex "other"
    mover = mouse("mover", x, female, 21, c3, end=dt.date(2026, 3, 5))  # exactly 3 weeks on D: 3–8 weeks
    CagePlacementFactory(mouse=mover, cage=c4, started_on=dt.date(2026, 3, 5))
    mouse("late-cull", y, male, 90, c4, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 20),
          status=Mouse.Status.CULLED, status_date=dt.date(2026, 3, 20))
    mouse("dead", x, male, 50, c1, end=days_before(1), status=Mouse.Status.DEAD, status_date=days_before(1))
    mouse("unborn", x, male, -2)
    mouse("voided", x, male, 40, c1, voided_at=timezone.now())
    mouse("loose", x, female, 182)  # exactly 26 weeks, in no cage

    other_rack = RackFactory(centre=other_centre, room=RoomFactory(centre=other_centre, building="JAX", name="Z"))
    other_cage = CageFactory(centre=other_centre, rack=other_rack, cage_id="j1", opened_on=dt.date(2026, 1, 1))
    other_mouse = MouseFactory(centre=other_centre, specimen_id="J-1", colony=ColonyFactory(centre=other_centre),
                               date_of_birth=days_before(40))
    CagePlacementFactory(mouse=other_mouse, cage=other_cage, started_on=dt.date(2026, 1, 1))
    return {"room_a": room_a, "room_b": room_b, "x": x, "y": y, "c1": c1, "c3": c3, "c4": c4}


def counts(row) -> dict:
    """A row's figures as a readable dict: cages, mice, by sex and by age band (zeros left out)."""
    sexes = dict(zip(["male", "female", "other"], row.sex_counts, strict=True))
    bands = dict(zip(["<3w", "3-8w", "8-16w", "16-26w", ">=26w"], row.band_counts, strict=True))
    return {"cages": row.cages, "mice": row.mice, **{k: v for k, v in {**sexes, **bands}.items() if v}}


def test_census_counts_by_room_colony_sex_and_age_band(house, tech):
    result = census(tech, day=D)

    assert counts(result.row(ROOM_A)) == {"cages": 2, "mice": 5, "male": 2, "female": 2, "other": 1, "<3w": 1,
                                          "3-8w": 1, "8-16w": 1, "16-26w": 1, ">=26w": 1}
    assert counts(result.row(ROOM_A, "X")) == {"cages": 2, "mice": 3, "male": 2, "female": 1, "<3w": 1, "3-8w": 1,
                                               "16-26w": 1}
    assert counts(result.row(ROOM_A, "Y")) == {"cages": 1, "mice": 1, "female": 1, "8-16w": 1}
    assert counts(result.row(ROOM_A, NO_COLONY)) == {"cages": 1, "mice": 1, "other": 1, ">=26w": 1}
    # The mover is in room B since 5 March; the mouse culled on 20 March is still alive on D.
    assert counts(result.row(ROOM_B)) == {"cages": 2, "mice": 2, "male": 1, "female": 1, "3-8w": 1, "8-16w": 1}
    assert counts(result.row(ROOM_B, "X")) == {"cages": 1, "mice": 1, "female": 1, "3-8w": 1}
    assert counts(result.row(ROOM_B, "Y")) == {"cages": 1, "mice": 1, "male": 1, "8-16w": 1}
    assert counts(result.row(NO_ROOM)) == {"cages": 0, "mice": 1, "female": 1, ">=26w": 1}
    assert counts(result.total) == {"cages": 4, "mice": 8, "male": 3, "female": 4, "other": 1, "<3w": 1, "3-8w": 2,
                                    "8-16w": 2, "16-26w": 1, ">=26w": 2}
    assert result.row(ROOM_A, "X").figures["male_lt3w"] == 1 and result.row(ROOM_A, "X").figures["male_w16_26"] == 1
    assert [r.room for r in result.rows if r.kind == "room"] == [ROOM_A, ROOM_B, NO_ROOM]


def test_census_on_an_earlier_day_puts_the_mover_in_its_old_room_and_counts_the_closed_cage(house, tech):
    """GIVEN the mover in c3 (room A) until 5 March and c3 open until then, WHEN the census is for 1 March, THEN
    the mover (12 days old) counts in room A, c3 is an open cage there, and mice born after 1 March are absent."""
    result = census(tech, day=dt.date(2026, 3, 1))

    assert result.row(ROOM_A).cages == 3
    assert result.row(ROOM_A, "X").figures["female_lt3w"] == 1  # the mover
    assert result.row(ROOM_B).cages == 1  # c4, opened that day; c5 not yet
    assert counts(result.row(ROOM_B, "Y")) == {"cages": 1, "mice": 1, "male": 1, "8-16w": 1}
    assert not any(r.kind == "colony" and r.room == ROOM_B and r.colony == "X" for r in result.rows)
    # m1 was born on 28 February; the mouse dead on 9 March was still alive.
    assert result.row(ROOM_A, "X").mice == 5  # m1, m2, m4, mover, dead


def test_census_on_the_day_of_a_move_counts_the_mouse_in_its_new_cage(house, tech):
    result = census(tech, day=dt.date(2026, 3, 5))
    assert result.row(ROOM_B, "X").mice == 1
    assert result.row(ROOM_A, "X").mice == 4  # m1, m2, m4 and the mouse dead on 9 March: not the mover
    assert result.total.mice == 9  # counted once, not in both rooms
    assert result.row(ROOM_A).cages == 2  # c3 closed that day: not open at its end


def test_census_filters_by_room_and_by_colony(house, tech):
    only_b = census(tech, day=D, room=house["room_b"])
    assert [r.room for r in only_b.rows if r.kind == "room"] == [ROOM_B]
    assert only_b.total.mice == 2 and only_b.total.cages == 2

    only_y = census(tech, day=D, colony=house["y"])
    assert counts(only_y.row(ROOM_A)) == {"cages": 1, "mice": 1, "female": 1, "8-16w": 1}  # c1 only
    assert counts(only_y.row(ROOM_B)) == {"cages": 1, "mice": 1, "male": 1, "8-16w": 1}  # c4 only, not empty c5
    assert only_y.total.mice == 2 and only_y.total.cages == 2


def test_census_is_scoped_to_the_users_centre(house, outsider):
    result = census(outsider, day=D)
    assert [r.room for r in result.rows if r.kind == "room"] == ["JAX / Z"]
    assert result.total.mice == 1 and result.total.cages == 1


def test_cage_days_over_a_range_that_cuts_open_periods(house, tech):
    """GIVEN 15 Feb – 6 March (20 days): c1 and c2 in use throughout (20 each), c3 closed on 5 March (19), c4
    opened on 1 March (6), c6 closed on the first day of the range (1), c5 opened after it and the voided cage
    (0)."""
    result = cage_days(tech, start=dt.date(2026, 2, 15), end=dt.date(2026, 3, 6))

    assert (result.row(ROOM_A, "Stock").cages, result.row(ROOM_A, "Stock").cage_days) == (2, 39)
    assert (result.row(ROOM_A, "Breeding").cages, result.row(ROOM_A, "Breeding").cage_days) == (1, 20)
    assert (result.row(ROOM_A).cages, result.row(ROOM_A).cage_days) == (3, 59)
    assert (result.row(ROOM_B, "Stock").cages, result.row(ROOM_B, "Stock").cage_days) == (1, 6)
    assert (result.row(ROOM_B, "Weaning").cages, result.row(ROOM_B, "Weaning").cage_days) == (1, 1)
    assert (result.row(ROOM_B).cages, result.row(ROOM_B).cage_days) == (2, 7)
    assert (result.total.cages, result.total.cage_days) == (5, 66)


def test_cage_days_of_a_single_day_and_filters(house, tech):
    one_day = cage_days(tech, start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 5))
    assert one_day.row(ROOM_A).cage_days == 3  # c1, c2 and c3 on its closing day
    # Colony Y was in c1 and c4 during the range: their whole use is billed.
    only_y = cage_days(tech, start=dt.date(2026, 2, 15), end=dt.date(2026, 3, 6), colony=house["y"])
    assert (only_y.total.cages, only_y.total.cage_days) == (2, 26)
    only_b = cage_days(tech, start=dt.date(2026, 2, 15), end=dt.date(2026, 3, 6), room=house["room_b"])
    assert (only_b.total.cages, only_b.total.cage_days) == (2, 7)
    assert cage_days(tech, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)).total.cage_days == 0


# --- The page and its export -------------------------------------------------------------------------------------


PARAMS = {"date": "2026-03-10", "from": "2026-02-15", "to": "2026-03-06"}


def test_census_page_shows_both_tables_in_bounded_queries(client, house, tech, django_assert_max_num_queries):
    client.force_login(tech)
    # session, user, centre (header), rooms and colonies (the filter's choices), census (2) and cage-days (1)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("colonies:census"), PARAMS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Census on 2026-03-10" in html and "Cage-days from 2026-02-15 to 2026-03-06" in html
    assert 'data-room="MLC / A" data-colony="X"' in html
    assert 'data-room="All rooms" data-cage-type=""' in html
    rows = response.context["census"]
    assert rows.total.mice == 8 and response.context["cage_days"].total.cage_days == 66


def test_census_page_defaults_to_today_and_this_month(client, house, tech):
    client.force_login(tech)
    response = client.get(reverse("colonies:census"))
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["census"].day == today
    assert (response.context["cage_days"].start, response.context["cage_days"].end) == (today.replace(day=1), today)


def test_census_page_rejects_a_backward_range_and_foreign_filters(client, house, tech, outsider):
    client.force_login(tech)
    response = client.get(reverse("colonies:census"), {"from": "2026-03-10", "to": "2026-03-01"})
    assert response.status_code == 400 and "must end on or after" in response.content.decode()
    other_room = Cage.objects.get(cage_id="j1").rack.room
    response = client.get(reverse("colonies:census"), {"room": other_room.pk})
    assert response.status_code == 400  # another centre's room is not a choice


def test_census_page_filters_by_room_and_colony_names(client, house, tech):
    client.force_login(tech)
    response = client.get(reverse("colonies:census"), {**PARAMS, "room": house["room_b"].pk, "colony": "y"})
    assert response.status_code == 200
    assert response.context["census"].total.mice == 1  # the mouse of Y in room B
    assert response.context["cage_days"].total.cage_days == 6  # c4


def test_census_export_holds_both_tables_with_the_same_figures(client, house, tech):
    client.force_login(tech)
    response = client.get(reverse("colonies:census"), {**PARAMS, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Census", "Cage-days"]

    sheet = list(workbook["Census"].iter_rows(values_only=True))
    header = sheet[0]
    records = [dict(zip(header, row, strict=True)) for row in sheet[1:]]
    room_a = next(r for r in records if r["Room"] == ROOM_A and r["Colony"] == "All colonies")
    assert (room_a["Open cages"], room_a["Mice"], room_a["Male"], room_a["Female"], room_a["Other"]) == (2, 5, 2, 2, 1)
    assert (room_a["< 3 weeks"], room_a["≥ 26 weeks"], room_a["Male 16–26 weeks"]) == (1, 1, 1)
    assert room_a["Census date"].date() == D
    b_x = next(r for r in records if r["Room"] == ROOM_B and r["Colony"] == "X")
    assert (b_x["Mice"], b_x["Female 3–8 weeks"]) == (1, 1)
    total = next(r for r in records if r["Room"] == "All rooms")
    assert (total["Open cages"], total["Mice"]) == (4, 8)

    days = list(workbook["Cage-days"].iter_rows(values_only=True))
    assert days[0] == ("From", "To", "Room", "Cage type", "Cages", "Cage-days")
    by_key = {(row[2], row[3]): (row[4], row[5]) for row in days[1:]}
    assert by_key[(ROOM_A, "Stock")] == (2, 39)
    assert by_key[(ROOM_B, "All types")] == (2, 7)
    assert by_key[("All rooms", "All types")] == (5, 66)


def test_census_page_needs_a_login_and_refuses_unknown_exports(client, house, tech):
    response = client.get(reverse("colonies:census"))
    assert response.status_code == 302
    client.force_login(tech)
    assert client.get(reverse("colonies:census"), {"export": "pdf"}).status_code == 404
