"""Browser journey: a colony manager takes a new ES cell micro-injection attempt from "in progress" to "Genotype
confirmed", on a tablet-sized screen, watching the status timeline move.

Drives Debian's Chromium through Playwright against pytest-django's live server, launched as in
test_record_body_weight.py. Set LIMS_E2E_SCREENSHOTS to a directory to keep screenshots of the attempt's detail
page and of the production summary (ui-attempt-*.png, ui-summary.png).
"""
import datetime as dt
import re

import pytest

from colonies.models import MicroInjection
from tests.e2e.conftest import PASSWORD, screenshot
from tests.factories import EsCellFactory, GeneFactory, PlanFactory


@pytest.fixture
def plan_and_clone(transactional_db, centre):
    """GIVEN a Harwell plan for Pax6 under BaSH and a Pax6 ES cell clone, and no other work on Pax6 anywhere."""
    plan = PlanFactory(centre=centre, gene=GeneFactory(symbol="Pax6", mgi_id="MGI:97490"))
    es_cell = EsCellFactory(centre=centre, gene=plan.gene, name="EPD0123_4_A01")
    return plan, es_cell


def _current_step(page):
    return page.locator(".timeline__step--current .timeline__label")


def test_colony_manager_takes_an_attempt_to_genotype_confirmed(live_server, browser_page, plan_and_clone, manager):
    """The attempt's whole life in one browser story (reason for its length): each step needs the state the one
    before left, so the steps are not separate tests."""
    from playwright.sync_api import expect

    page, (plan, es_cell) = browser_page, plan_and_clone
    mi_date = dt.date.today() - dt.timedelta(days=60)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)  # each role lands on its own work (lims.dashboard.landing)

    # A new attempt from the list; the CRISPR fields stay out of the way of an ES cell attempt.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Micro-injections").click()
    page.get_by_role("link", name="New micro-injection attempt").click()
    expect(page.get_by_role("heading", name="New micro-injection attempt")).to_be_visible()
    page.get_by_label(re.compile(r"^Plan\b")).select_option(label=str(plan))
    expect(page.get_by_label("Kind")).to_have_value("es_cell")
    expect(page.get_by_label("Embryos injected")).to_be_hidden()
    page.get_by_label("ES cell", exact=True).select_option(label=es_cell.name)
    page.get_by_label("External reference").fill("HAR-PAX6-MI-1")
    page.get_by_label("MI date").fill(mi_date.isoformat())
    page.get_by_label("Blastocysts injected").fill("120")
    page.get_by_label("Blastocysts transferred").fill("100")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name=re.compile("HAR-PAX6-MI-1"))).to_be_visible()
    expect(_current_step(page)).to_have_text("Micro-injection in progress")
    expect(page.locator(".timeline__step--current .timeline__date")).to_have_text(mi_date.isoformat())
    expect(page.locator(".timeline__step--next .timeline__label")).to_have_text(
        ["Chimeras obtained", "Genotype confirmed"])
    screenshot(page, "attempt-in-progress")

    # Weeks later: chimeras are born.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Pups born", exact=True).fill("20")
    page.get_by_label("Male chimeras", exact=True).fill("3")
    page.get_by_label("Reason for the change").fill("Chimeras counted at weaning")
    page.get_by_role("button", name="Save").click()
    expect(_current_step(page)).to_have_text("Chimeras obtained")
    expect(page.locator(".timeline__step--done .timeline__label")).to_have_text(["Micro-injection in progress"])

    # Then the germline transmission: heterozygous offspring.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Het offspring", exact=True).fill("2")
    page.get_by_role("button", name="Save").click()
    expect(_current_step(page)).to_have_text("Genotype confirmed")
    expect(page.locator(".timeline__step--done .timeline__label")).to_have_text(
        ["Micro-injection in progress", "Chimeras obtained"])
    expect(page.locator(".timeline__step--next")).to_have_count(0)
    expect(page.locator(".page-head .badge")).to_have_text("Genotype confirmed")
    screenshot(page, "attempt-confirmed")

    attempt = MicroInjection.objects.get(external_ref="HAR-PAX6-MI-1")
    assert attempt.status == MicroInjection.Status.GENOTYPE_CONFIRMED and attempt.centre == manager.centre
    assert {s.status for s in attempt.stamps.all()} == {"mip", "chr", "gtc"}

    # The summary counts the gene once under Genotype confirmed, and the figure opens the attempt.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Production summary").click()
    expect(page.get_by_role("heading", name="Production summary")).to_be_visible()
    screenshot(page, "summary")
    page.get_by_role("link", name=re.compile("1 gene Genotype confirmed, BaSH at Harwell")).click()
    expect(page.get_by_role("link", name="HAR-PAX6-MI-1")).to_be_visible()
