"""Browser check of the cage card print page (issue 13 point 9): a 60-character allele and colony name wrap inside
the card; no value runs past the card's edge, where `overflow: hidden` would cut it off."""
import datetime as dt

import pytest

from colonies.models import Mouse, MouseAllele
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import CageFactory, CagePlacementFactory, ColonyFactory, MouseFactory

LONG_ALLELE = "Cbx1<tm1a(EUCOMM)Wtsi>Gt(ROSA)26Sor<tm1(CAG-Bgeo,-tdTomato)>"
LONG_COLONY = "H_CBX1_TM1A_EUCOMM_WTSI_ROSA26_TDTOMATO_CROSS_BACKGROUND_N4F"


@pytest.fixture
def long_cage(transactional_db, centre):
    # Underscores give a browser no place to break a line: only the card's CSS can wrap these.
    cage = CageFactory(centre=centre, cage_id="LONG_CAGE_WITH_A_VERY_LONG_IDENTIFIER_42")
    colony = ColonyFactory(centre=centre, name=LONG_COLONY)
    mouse = MouseFactory(centre=centre, colony=colony, specimen_id="H-LONG-HET", sex=Mouse.Sex.MALE,
                         date_of_birth=dt.date(2026, 1, 1))
    MouseAllele.objects.create(mouse=mouse, allele=LONG_ALLELE, zygosity=Mouse.Zygosity.HETEROZYGOUS)
    CagePlacementFactory(mouse=mouse, cage=cage)
    return cage


def test_long_values_wrap_inside_the_printed_card(live_server, browser_page, long_cage, tech):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(tech.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/colony/cages/{long_cage.pk}/card/")
    card = page.locator(".cage-card")
    expect(card).to_contain_text(f"{LONG_ALLELE} het")
    screenshot(page, "cage-card-long-values")
    # Every element of the card ends inside the card's box, and none is wider than its own box (nothing clipped).
    overflowing = card.evaluate("""card => {
        const edge = card.getBoundingClientRect().right + 0.5;
        return [...card.querySelectorAll('*')]
            .filter(el => el.getBoundingClientRect().right > edge || el.scrollWidth > el.clientWidth + 1)
            .filter(el => !el.closest('svg'))
            .map(el => el.tagName + ' ' + el.textContent.trim().slice(0, 40));
    }""")
    assert overflowing == []
    for text in (LONG_ALLELE, LONG_COLONY, long_cage.cage_id):
        assert text in card.inner_text().replace("\n", "")
