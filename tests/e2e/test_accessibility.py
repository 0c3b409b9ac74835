"""Accessible (issue 14 point 6): axe-core finds no serious or critical violation on the login, worklist, record form,
batch form, mouse, cage, to-do and DCC pages, at tablet and phone size.

axe-core is vendored for the tests only (tests/e2e/vendor/axe-core/, with its version and licence): injected into
each page by the test, never served to users, and no download step, so it runs the same from a fresh clone in CI.
"""
from pathlib import Path

import pytest

from tests.e2e.bench import login
from tests.e2e.conftest import screenshot

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe-4.14.1.min.js"
PAGES = ("worklist", "record", "batch", "mouse", "cage", "todo", "dcc")

#: Run axe on the whole document (WCAG 2.0/2.1 A and AA rules and best practices) and keep the serious ones.
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' → ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def _violations(page) -> list[str]:
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("size", [{"width": 1024, "height": 768}, {"width": 390, "height": 844}],
                         ids=["tablet", "phone"])
def test_no_serious_or_critical_axe_violation_on_the_bench_pages(live_server, browser_page, bench_pages,
                                                                 centre_admin, size):
    page = browser_page
    page.set_viewport_size(size)
    # An init script, not a <script> tag: the pages' Content-Security-Policy refuses inline scripts, as it should.
    page.add_init_script(path=str(AXE))
    found = {}
    page.goto(f"{live_server.url}/login/")
    found["login"] = _violations(page)
    login(page, live_server.url, centre_admin)
    for name in PAGES:
        page.goto(live_server.url + bench_pages.urls[name])
        found[name] = _violations(page)
        if found[name]:
            screenshot(page, f"axe-{size['width']}-{name}")
    assert {name: problems for name, problems in found.items() if problems} == {}
