"""Identifiers, the mouse-ID pattern and the reason a QC-locked edit needs (issue 17, point 10).

The probe stored a right-to-left override (U+202E), emoji, `"><` and a leading `=` in identifier fields, saved the
ID pattern `{seq:999999999}` (one mouse then took 1.6 s and failed), and changed a QC-locked value with the
reason "x" while voiding needs 10 characters. Each is refused with a message on the field, through the one
validator (`lims.identifiers`) on every identifier field, the pattern check, and the one reason rule.
"""
import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from colonies import services
from colonies.models import ColonySettings, Mouse, Room
from lims.identifiers import identifier_problem
from lims.models import Role
from tests.factories import MouseFactory, UserFactory
from tests.security.routes import build_line

pytestmark = pytest.mark.django_db

BAD = {
    "bidi override": "H1001\u202egpj.exe",
    "zero-width space": "H10\u200b01",
    "emoji": "Room \U0001F42D",
    "markup": '"><img src=x>',
    "formula": "=HYPERLINK(\"http://x\")",
    "plus": "+44 1235",
    "minus": "-1",
    "at": "@SUM(A1)",
    "tab": "cage\t1",
    "backslash": "C:\\cages",
}
GOOD = ["H-26-00017", "Gebäude 2 / Raum 3", "실험실 3", "EPD0001_A01", "C57BL/6N (het) #2", "Mary Lyon Centre",
        "Smith's lab", "B3:12", "Tg(Zp3-cre)3Mrt"]


@pytest.mark.parametrize("value", GOOD)
def test_everyday_identifiers_pass(value):
    assert identifier_problem(value) is None


@pytest.mark.parametrize("kind", sorted(BAD))
def test_unsafe_identifiers_are_refused_with_a_reason(kind):
    assert identifier_problem(BAD[kind])


@pytest.mark.parametrize("value, ok", [
    ("Pax6<tm1a(EUCOMM)Wtsi>", True), ("Cre", True), ("Pax6<em1(IMPC)J>/Pax6<+>", False),
    ("<script>", False), ("Pax6<tm1a", False), ("Pax6>x<", False), ("Pax6<</script>>", False),
    ('Pax6<tm1"x>', False),
])
def test_allele_symbols_accept_mgi_superscripts_only(value, ok):
    assert (identifier_problem(value, allele_notation=True) is None) is ok


# Every identifier field an API client can change, on the records of one centre (tests/security/routes.py) ...
FIELDS = [
    ("mice", "specimen_id"), ("mice", "ear_mark"), ("mice", "litter_code"), ("colonies", "name"),
    ("colonies", "allele_symbol"), ("cages", "cage_id"), ("cages", "position"), ("rooms", "building"),
    ("rooms", "name"), ("genotyping-assays", "name"), ("genotyping-assays", "allele"),
    ("es-cells", "name"), ("es-cells", "parental_cell_line"), ("es-cells", "allele_symbol_superscript"),
    ("microinjections", "external_ref"), ("allele-modifications", "external_ref"), ("litters", "code"),
    ("zygosity-rules", "call"),
]


def _creates(line) -> dict[tuple[str, str], dict]:
    """... and those set only when the record is made (a rack's name, a cohort's name before phenotyping)."""
    colony = line["colonies"]
    return {
        ("racks", "name"): {"room": line["rooms"].pk},
        ("phenotyping-attempts", "colony_name"): {"parent_colony": colony.name},
    }


@pytest.fixture
def line(centre):
    return build_line(centre)


@pytest.fixture
def admin(centre):
    return UserFactory(centre=centre, role=Role.CENTRE_ADMIN, username="identifier-admin")


def test_every_identifier_field_refuses_every_unsafe_kind_and_stores_nothing(auth_client, admin, line):
    client = auth_client(admin)
    accepted = []
    for route, field in FIELDS:
        record = line[route]
        before = getattr(type(record).objects.get(pk=record.pk), field)
        for kind, value in BAD.items():
            response = client.patch(f"/api/v1/{route}/{record.pk}/", {field: value}, format="json")
            if response.status_code != 400 or field not in response.json()["errors"]:
                accepted.append((route, field, kind, response.status_code, response.content[:200]))
        assert getattr(type(record).objects.get(pk=record.pk), field) == before, (route, field)
    for (route, field), body in _creates(line).items():
        for kind, value in BAD.items():
            response = client.post(f"/api/v1/{route}/", {**body, field: value}, format="json")
            if response.status_code != 400 or field not in response.json()["errors"]:
                accepted.append((route, field, kind, response.status_code, response.content[:200]))
    assert accepted == []


def test_a_mating_name_is_checked_by_the_service(admin, line):
    colony, born = line["matings"].colony, dt.date.today() - dt.timedelta(days=100)
    male = MouseFactory(centre=admin.centre, colony=colony, sex="male", date_of_birth=born)
    female = MouseFactory(centre=admin.centre, colony=colony, sex="female", date_of_birth=born)
    with pytest.raises(ValidationError) as refused:
        services.mating_create(actor=admin, male=male, females=[female], set_up_on=dt.date.today(), confirm=True,
                               name=BAD["bidi override"])
    assert "U+202E" in refused.value.message_dict["name"][0]


def test_a_refusal_says_what_is_wrong_and_what_is_allowed(auth_client, admin, line):
    response = auth_client(admin).patch(f"/api/v1/mice/{line['mice'].pk}/", {"specimen_id": BAD["bidi override"]})
    message = response.json()["errors"]["specimen_id"][0]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in message
    assert "Use letters, digits, spaces and - _ . , : ; / ( ) [ ] # + ' & *." in message
    formula = auth_client(admin).patch(f"/api/v1/rooms/{line['rooms'].pk}/", {"name": "=1+2"})
    assert "cannot start with '='" in formula.json()["errors"]["name"][0]


def test_good_identifiers_and_allele_superscripts_are_saved(auth_client, admin, line):
    client = auth_client(admin)
    assert client.patch(f"/api/v1/rooms/{line['rooms'].pk}/", {"name": "Gebäude 2 / Raum 3"}).status_code == 200
    colony = client.patch(f"/api/v1/colonies/{line['colonies'].pk}/", {"allele_symbol": "Pax6<tm1b(EUCOMM)Wtsi>"})
    assert colony.status_code == 200, colony.content
    refused = client.patch(f"/api/v1/colonies/{line['colonies'].pk}/", {"allele_symbol": "<script>alert(1)</script>"})
    assert refused.status_code == 400 and "allele_symbol" in refused.json()["errors"]


def test_created_records_are_checked_too(auth_client, admin, line):
    client = auth_client(admin)
    mouse = line["mice"]
    created = client.post("/api/v1/mice/", {"specimen_id": "=cmd|' /C calc'!A0", "colony": mouse.colony.name,
                                            "strain": mouse.strain.name, "sex": "male",
                                            "date_of_birth": dt.date.today() - dt.timedelta(days=10)})
    assert created.status_code == 400 and "specimen_id" in created.json()["errors"]
    calls = client.patch(f"/api/v1/genotyping-assays/{line['genotyping-assays'].pk}/",
                         {"calls": [*line["genotyping-assays"].calls, "+both"]}, format="json")
    assert calls.status_code == 400 and "calls" in calls.json()["errors"]
    sample = client.post("/api/v1/genotypes/", {
        "mouse": mouse.specimen_id, "assay": line["zygosity-rules"].assay.name, "call": line["zygosity-rules"].call,
        "tested_on": dt.date.today(), "sample_id": "S\u202e1", "collected_on": dt.date.today()})
    assert sample.status_code == 400 and "sample_id" in sample.json()["errors"]
    assert not Mouse.objects.filter(specimen_id__startswith="=").exists()


def test_the_html_form_shows_the_refusal_on_the_field(client, admin):
    client.force_login(admin)

    response = client.post(reverse("colonies:room_create"), {"building": "B1", "name": "Lab \U0001F42D"})

    assert response.status_code == 200
    assert "which identifiers do not use" in response.context["form"].errors["name"][0]
    assert not Room.objects.exists()


# --- The mouse-ID pattern ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern, message", [
    ("{seq:999999999}", "give the number's width as 1 to 9 digits"),
    ("{centre}-{seq:010}", "give the number's width as 1 to 9 digits"),
    ("{centre:>40}-{seq}", "Only {seq} takes a width"),
    ("={centre}{seq}", "cannot start with '='"),
    ("{centre}-" + "X" * 50 + "-{seq:05}", "longer than 60 characters"),
])
def test_an_absurd_id_pattern_is_refused_with_a_message(manager, pattern, message):
    with pytest.raises(ValidationError) as refused:
        services.colony_settings_update(actor=manager, centre=manager.centre, mouse_id_pattern=pattern)
    assert message in " ".join(refused.value.message_dict["mouse_id_pattern"])
    assert not ColonySettings.objects.filter(mouse_id_pattern=pattern).exists()


def test_the_widest_allowed_pattern_still_numbers_mice(manager):
    services.colony_settings_update(actor=manager, centre=manager.centre, mouse_id_pattern="{centre}-{seq:09}")
    assert services.next_mouse_id(manager.centre) == "H-000000001"


def test_a_stored_absurd_pattern_refuses_quickly_instead_of_building_a_huge_id(auth_client, manager, line):
    ColonySettings.objects.update_or_create(centre=manager.centre, defaults={"mouse_id_pattern": "{seq:999999999}"})
    mouse = line["mice"]
    started = time.monotonic()

    response = auth_client(manager).post("/api/v1/mice/", {"colony": mouse.colony.name, "strain": mouse.strain.name,
                                                           "sex": "male", "date_of_birth": dt.date.today()})

    assert time.monotonic() - started < 1.0
    assert response.status_code == 400
    assert "width of at most 9" in response.json()["errors"]["specimen_id"][0]
