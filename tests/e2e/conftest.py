"""Shared set-up of the browser journeys: Debian's Chromium driven by Playwright against the live server.

Every test in this folder is marked `browser` and skipped (with the reason) only where /usr/bin/chromium is missing;
`make test` installs it. Screenshots (`screenshot(page, name)`) are kept as test artifacts in LIMS_E2E_SCREENSHOTS,
or in var/e2e-screenshots/ (git-ignored) when it is not set.
"""
import os
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the ORM calls made here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="Debian's Chromium (/usr/bin/chromium) is not installed"))


@pytest.fixture
def browser_page():
    """A tablet-sized (1024×768, touch) page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        # Close the test's own database connection now: once Playwright stops, its greenlet switch leaves Django
        # looking at another context's connections, and this one would stay open and block dropping the test database.
        connections.close_all()
        context.close()
        browser.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e-screenshots"


def screenshot(page, name: str) -> None:
    folder = Path(os.environ.get("LIMS_E2E_SCREENSHOTS") or SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"ui-{name}.png"), full_page=True)


from tests.e2e.bench import bench_pages  # noqa: E402,F401  (the pages of issue 14's browser tests, as a fixture)
