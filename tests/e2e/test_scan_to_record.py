"""Scan to record (issue 14 point 4): on the worklist a technician presses *Scan*, holds a cage card up to the tablet's
camera and lands on that cage's due tests.

The camera is the browser's own API fed by the test: `navigator.mediaDevices.getUserMedia` answers with a stream drawn
from a canvas showing the QR code exactly as the printed cage card shows it (a screenshot of the card page's QR), so
the page's decoder (static/vendor/zxing via static/js/scan.js) reads real pixels, as from a camera.
"""
import base64
import datetime as dt

from django.urls import reverse

from procedures.services import mice_enrol
from tests.e2e.bench import login
from tests.e2e.conftest import screenshot
from tests.factories import CageFactory, CagePlacementFactory, MouseFactory, body_weight_procedure

#: Runs before the page's scripts: a fake camera whose picture is the PNG in window.__cardQr (set by the test).
FAKE_CAMERA = """
(() => {
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 480;
  const context = canvas.getContext('2d');
  const card = new Image();
  card.src = %r;
  function draw() {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (card.complete && card.naturalWidth) {
      const side = 360;
      context.drawImage(card, (canvas.width - side) / 2, (canvas.height - side) / 2, side, side);
    }
  }
  setInterval(draw, 50);
  window.__cameraAsked = 0;
  navigator.mediaDevices.getUserMedia = (constraints) => {
    window.__cameraAsked += 1;
    draw();
    return Promise.resolve(canvas.captureStream(15));
  };
})();
"""


def test_scanning_a_cage_card_opens_that_cages_due_tests(live_server, browser_page, bench_pages, tech):
    from playwright.sync_api import expect

    # AND a mouse in another cage due today too, which the scanned cage's list must leave out.
    other = MouseFactory(centre=bench_pages.cage.centre, colony=bench_pages.colony, specimen_id="H-099")
    CagePlacementFactory(mouse=other, cage=CageFactory(centre=bench_pages.cage.centre, cage_id="H-C999"))
    mice_enrol(mice=[other], pipeline=body_weight_procedure().pipeline, actor=tech, enrolled_on=dt.date.today())
    page, cage = browser_page, bench_pages.cage

    # The technician lands on today's worklist: four tests due, in two cages.
    login(page, live_server.url, tech)
    expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")
    expect(page.get_by_role("link", name="H-099", exact=True)).to_be_visible()

    # The QR code as the printed card shows it.
    page.goto(live_server.url + reverse("colonies:cage_card", args=[cage.pk]))
    qr_png = page.locator(".cage-card__qr svg").screenshot()
    camera = FAKE_CAMERA % ("data:image/png;base64," + base64.b64encode(qr_png).decode())
    page.context.add_init_script(camera)

    page.goto(live_server.url + reverse("procedures:worklist"))
    page.get_by_role("button", name="Scan").click()
    page.wait_for_url(f"**/phenotyping/worklist/?cage={cage.pk}", timeout=20_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"cage {cage.cage_id}")
    for mouse in bench_pages.mice:
        expect(page.get_by_role("link", name=f"Record Body Weight for {mouse.specimen_id}")).to_be_visible()
    expect(page.get_by_role("link", name="H-099", exact=True)).to_have_count(0)
    screenshot(page, "scan-cage-due-tests")

    # Recording from there comes back to the same cage's list.
    page.get_by_role("link", name=f"Record Body Weight for {bench_pages.mice[0].specimen_id}").click()
    expect(page.get_by_role("link", name="Back to the worklist")).to_have_attribute(
        "href", f"/phenotyping/worklist/?cage={cage.pk}")


def test_a_card_of_no_cage_of_the_centre_says_so(live_server, browser_page, bench_pages, tech):
    from playwright.sync_api import expect

    page = browser_page
    login(page, live_server.url, tech)
    page.goto(live_server.url + reverse("procedures:worklist_scan") + "?code=https://elsewhere.example/colony/cages/999999/")
    expect(page.get_by_role("alert")).to_contain_text("No cage of your centre has the code")
    expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")
