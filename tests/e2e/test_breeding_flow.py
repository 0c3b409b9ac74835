"""Browser journey: a colony manager sets up a mating, records its litter, weans it into two new cages and opens
the cage card, whose QR code (decoded from the rendered page, as a phone would) is the cage's own URL.

Set LIMS_E2E_SCREENSHOTS to a directory to keep screenshots (ui-wean-*.png, ui-cage-card.png).
"""
import datetime as dt
import io
import re

import pytest

from colonies.models import Cage, Litter, Mating, Mouse
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import CageFactory, ColonyFactory, MouseFactory


@pytest.fixture
def breeders(transactional_db, centre):
    """GIVEN a Harwell colony with an adult male and female, and an empty breeding cage."""
    colony = ColonyFactory(centre=centre, name="Cbx1-H-01")
    born = dt.date.today() - dt.timedelta(days=120)
    male = MouseFactory(centre=centre, colony=colony, sex="male", date_of_birth=born, specimen_id="BR-M1",
                        strain=colony.background_strain)
    female = MouseFactory(centre=centre, colony=colony, sex="female", date_of_birth=born, specimen_id="BR-F1",
                          strain=colony.background_strain)
    cage = CageFactory(centre=centre, cage_id="BREED-1", cage_type=Cage.CageType.BREEDING,
                       opened_on=dt.date.today() - dt.timedelta(days=60))
    return male, female, cage


def test_colony_manager_mates_records_a_litter_weans_it_and_prints_the_card(live_server, browser_page, breeders,
                                                                            manager):
    import zxingcpp
    from PIL import Image
    from playwright.sync_api import expect

    page, (male, _female, cage) = browser_page, breeders
    today = dt.date.today()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Set up the mating in the breeding cage.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Matings").click()
    page.get_by_role("link", name="New mating").click()
    page.get_by_label(re.compile(r"^Male\b")).select_option(value=str(male.pk))
    page.get_by_label(re.compile(r"BR-F1")).check()
    page.get_by_label(re.compile(r"^Cage\b")).select_option(value=str(cage.pk))
    page.get_by_label("Set up on").fill((today - dt.timedelta(days=42)).isoformat())
    page.get_by_role("button", name="Save").click()
    mating = Mating.objects.get()
    expect(page.get_by_role("heading", name=mating.name)).to_be_visible()

    # Record a litter of seven, born three weeks ago.
    page.get_by_role("link", name="Record litter").click()
    page.get_by_label("Born on").fill((today - dt.timedelta(days=21)).isoformat())
    page.get_by_label(re.compile(r"^Born\b(?! on)")).fill("7")
    page.get_by_label(re.compile(r"^Alive\b")).fill("7")
    page.get_by_role("button", name="Save").click()
    litter = Litter.objects.get()
    expect(page.get_by_role("heading", name=litter.code)).to_be_visible()

    # Wean: seven rows, already split over two new cages (five and two); choose each pup's sex.
    page.get_by_role("link", name="Wean").click()
    rows = page.locator("tr.pup-row")
    expect(rows).to_have_count(7)
    for i in range(7):
        rows.nth(i).locator("select[name$='-sex']").select_option("female" if i < 5 else "male")
    screenshot(page, "wean-form")
    page.get_by_role("button", name="Wean").click()
    expect(page.get_by_text("weaned: 7 mice")).to_be_visible()
    screenshot(page, "wean-done")
    assert Mouse.objects.filter(litter=litter).count() == 7

    # The new cage's card: its QR code decodes to the cage's own page.
    new_cage = Cage.objects.get(cage_id=f"{litter.code}-A")
    page.get_by_role("link", name=f"{litter.code}-A").first.click()
    expect(page.get_by_role("heading", name=new_cage.cage_id)).to_be_visible()
    page.get_by_role("link", name="Cage card").click()
    qr = page.locator(".qr").first
    expect(qr).to_be_visible()
    screenshot(page, "cage-card")
    png = qr.screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [d.text for d in decoded] == [f"{live_server.url}/colony/cages/{new_cage.pk}/"]
    pup = Mouse.objects.filter(placements__cage=new_cage).order_by("specimen_id").first()
    expect(page.get_by_text(pup.specimen_id)).to_be_visible()
    expect(page.get_by_text(f"litter {litter.code} (BR-M1 × BR-F1)").first).to_be_visible()  # parents on the card
