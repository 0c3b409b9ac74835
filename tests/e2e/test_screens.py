"""Fits every screen (issue 14 point 1): at 1024×768 (a bench tablet) and 390×844 (a phone) none of the bench pages
scrolls sideways, each page's title is on the first screen, the phone's menu folds behind a Menu button that works
from the keyboard, and phone forms are one column of inputs at least 44px tall.

Screenshots of every page at both sizes are kept (tests/e2e/conftest.py `screenshot`: ui-<size>-<page>.png).
"""
import pytest

from tests.e2e.bench import PAGE_NAMES, login
from tests.e2e.conftest import screenshot

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}

MEASURE = """() => {
    const box = document.querySelector('h1').getBoundingClientRect();
    const h1 = {top: box.top + window.scrollY, bottom: box.bottom + window.scrollY};  // in the page, not the view
    // What sticks out, for the failure message: the outermost elements whose right edge passes the window's.
    const wide = [...document.body.querySelectorAll('*')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter(el => !el.parentElement.closest('*') || el.parentElement.getBoundingClientRect().right <= window.innerWidth + 0.5)
        .slice(0, 3).map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
            innerHeight: window.innerHeight, h1Top: h1.top, h1Bottom: h1.bottom, wide: wide};
}"""

#: Visible text-like inputs and selects of a form that are shorter than 44px (gloved fingers), as "name: height".
SMALL_INPUTS = """() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter(el => !['checkbox', 'radio', 'hidden', 'submit', 'button'].includes(el.type) && el.offsetParent !== null)
    .map(el => [el.name || el.id, el.getBoundingClientRect().height])
    .filter(([name, height]) => height < 44)
    .map(([name, height]) => name + ': ' + height)"""


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_bench_pages_fit_the_screen_with_the_title_on_the_first_screen(live_server, browser_page, bench_pages,
                                                                       centre_admin, size):
    page = browser_page
    page.set_viewport_size(size)
    login(page, live_server.url, centre_admin)
    label = "tablet" if size is TABLET else "phone"
    problems = []
    for name in PAGE_NAMES:
        response = page.goto(live_server.url + bench_pages.urls[name])
        assert response.status == 200, name
        m = page.evaluate(MEASURE)
        screenshot(page, f"{label}-{name}")
        if m["scrollWidth"] > m["innerWidth"]:
            problems.append(f"{name}: {m['scrollWidth']}px wide in a {m['innerWidth']}px window ({m['wide']})")
        if m["h1Bottom"] > m["innerHeight"] or m["h1Top"] < 0:
            problems.append(f"{name}: title at {m['h1Top']:.0f}–{m['h1Bottom']:.0f}px of {m['innerHeight']}px")
        if size is PHONE and name in ("record", "batch"):
            problems += [f"{name}: {small}" for small in page.evaluate(SMALL_INPUTS)]
    assert problems == []


def test_the_phone_menu_folds_behind_a_button_that_works_by_keyboard(live_server, browser_page, bench_pages,
                                                                     centre_admin):
    from playwright.sync_api import expect

    page = browser_page
    page.set_viewport_size(PHONE)
    login(page, live_server.url, centre_admin)
    page.goto(live_server.url + bench_pages.urls["worklist"])
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Worklist")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    # The tablet shows the menu as one strip without the button.
    page.set_viewport_size(TABLET)
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Worklist")).to_be_visible()
