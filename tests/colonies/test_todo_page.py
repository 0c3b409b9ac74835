"""The to-do page: mine and unassigned by default, everyone's on request, done and reopen by click (CSRF, POST
only, safe next URL), read-only users see no buttons, another centre's reminder is 404, CSV and Excel exports."""
import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from colonies.models import Mouse, Reminder
from colonies.services import reminder_done, reminders_compute
from tests.colonies.helpers import make_mating
from tests.factories import ColonyFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
D = dt.date
K = Reminder.Kind


@pytest.fixture
def colony(centre):
    return ColonyFactory(centre=centre, name="HAR-PAX6")


@pytest.fixture
def todo(centre, other_centre, colony, manager, tech, outsider):
    """GIVEN Harwell reminders: MINE (assigned to the manager), NOBODY's (unassigned), TECH's (assigned to the
    technician), and a JAX reminder."""
    make_mating(centre, colony, "MINE", D(2026, 1, 1), responsible=manager)
    make_mating(centre, colony, "NOBODY", D(2026, 2, 1))
    make_mating(centre, colony, "TECHS", D(2026, 1, 1), responsible=tech)
    Mouse.objects.filter(centre=centre).update(status=Mouse.Status.EXPORTED)
    make_mating(other_centre, ColonyFactory(centre=other_centre), "JAX-1", D(2026, 1, 1), responsible=outsider)
    reminders_compute(centre=centre, today=TODAY)
    reminders_compute(centre=other_centre, today=TODAY)
    return {
        "mine": Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating__name="MINE"),
        "nobody": Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating__name="NOBODY"),
        "techs": Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating__name="TECHS"),
        "jax": Reminder.objects.get(centre=other_centre, kind=K.LITTER_CHECK),
    }


def jobs(page: str) -> list[str]:
    """The job titles of the to-do table (not the flash messages or button labels)."""
    return re.findall(r'data-label="Job">([^<]+)<', page)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_todo_lists_mine_and_unassigned_by_default(manager, todo, django_assert_max_num_queries):
    client = _client(manager)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("colonies:todo"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Check MINE for a litter" in page and "Check NOBODY for a litter" in page
    assert "Check TECHS" not in page and "JAX-1" not in page
    assert reverse("colonies:mating_detail", args=[todo["mine"].mating_id]) in page
    assert reverse("colonies:reminder_done", args=[todo["mine"].pk]) in page
    assert "2 overdue" in page  # every reminder of the fixture is due in 2026-01/02


def test_todo_shows_everyones_and_filters_by_kind_and_due(manager, todo):
    client = _client(manager)
    page = client.get(reverse("colonies:todo"), {"who": "all"}).content.decode()
    assert "Check TECHS for a litter" in page and "JAX-1" not in page
    page = client.get(reverse("colonies:todo"), {"who": "all", "kind": K.WEAN}).content.decode()
    assert "Check MINE" not in page
    page = client.get(reverse("colonies:todo"), {"who": "all", "due_from": "2026-02-20"}).content.decode()
    assert "Check NOBODY" in page and "Check MINE" not in page  # NOBODY due 02-22, MINE 01-22


def test_todo_query_count_does_not_grow_with_rows(centre, colony, manager, todo, django_assert_max_num_queries):
    for i in range(20):
        make_mating(centre, colony, f"MORE-{i}", D(2026, 1, 1), responsible=manager)
    Mouse.objects.filter(centre=centre).update(status=Mouse.Status.EXPORTED)
    reminders_compute(centre=centre, today=TODAY)
    client = _client(manager)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("colonies:todo"), {"who": "all", "state": "all"})
    assert sum(title.startswith("Check MORE-") for title in jobs(response.content.decode())) == 20


def test_done_by_click_with_csrf_then_show_done(manager, todo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    page = client.get(reverse("colonies:todo")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    done_url = reverse("colonies:reminder_done", args=[todo["mine"].pk])

    response = client.post(done_url, {"csrfmiddlewaretoken": token, "next": "/colony/todo/?kind=litter_check"})

    assert response.status_code == 302 and response["Location"] == "/colony/todo/?kind=litter_check"
    todo["mine"].refresh_from_db()
    assert todo["mine"].done_at is not None and todo["mine"].done_by == manager
    page = client.get(reverse("colonies:todo")).content.decode()
    assert "Done: Check MINE for a litter" in page  # the flash message
    assert [t for t in jobs(page) if "MINE" in t] == []
    page = client.get(reverse("colonies:todo"), {"state": "done"}).content.decode()
    assert [t.split(" (")[0] for t in jobs(page)] == ["Check MINE for a litter"]
    assert reverse("colonies:reminder_reopen", args=[todo["mine"].pk]) in page
    # Clicking again (a second tab) says so instead of failing.
    response = client.post(done_url, {"csrfmiddlewaretoken": token}, follow=True)
    assert "already done" in response.content.decode()


def test_done_without_csrf_token_is_refused(manager, todo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(reverse("colonies:reminder_done", args=[todo["mine"].pk])).status_code == 403
    todo["mine"].refresh_from_db()
    assert todo["mine"].done_at is None


def test_done_ignores_an_outside_next_url(manager, todo):
    response = _client(manager).post(reverse("colonies:reminder_done", args=[todo["mine"].pk]),
                                     {"next": "https://evil.example/"})
    assert response["Location"] == reverse("colonies:todo")


def test_reopen_by_click(manager, todo):
    reminder_done(actor=manager, reminder=todo["mine"])
    response = _client(manager).post(reverse("colonies:reminder_reopen", args=[todo["mine"].pk]))
    assert response.status_code == 302
    todo["mine"].refresh_from_db()
    assert todo["mine"].done_at is None


def test_readonly_sees_the_list_without_buttons_and_cannot_post(readonly, todo):
    client = _client(readonly)
    page = client.get(reverse("colonies:todo"), {"who": "all"}).content.decode()
    assert "Check MINE for a litter" in page
    assert "/done/" not in page and "Done</button>" not in page
    assert client.post(reverse("colonies:reminder_done", args=[todo["mine"].pk])).status_code == 403
    todo["mine"].refresh_from_db()
    assert todo["mine"].done_at is None


def test_other_centres_reminder_is_404(manager, todo):
    client = _client(manager)
    assert client.post(reverse("colonies:reminder_done", args=[todo["jax"].pk])).status_code == 404
    assert client.post(reverse("colonies:reminder_reopen", args=[todo["jax"].pk])).status_code == 404
    todo["jax"].refresh_from_db()
    assert todo["jax"].done_at is None


def test_done_is_post_only(manager, todo):
    assert _client(manager).get(reverse("colonies:reminder_done", args=[todo["mine"].pk])).status_code == 405


def test_anonymous_is_sent_to_login():
    response = Client().get(reverse("colonies:todo"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_export_csv_of_the_filtered_list(manager, todo):
    response = _client(manager).get(reverse("colonies:todo"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Due", "Kind", "Subject", "Job", "Assigned to", "Done at", "Done by"]
    assert sorted(r[2] for r in rows[1:]) == ["MINE", "NOBODY"]
    assert {r[1] for r in rows[1:]} == {"Check for a litter"}


def test_export_xlsx(manager, todo):
    import openpyxl

    response = _client(manager).get(reverse("colonies:todo"), {"export": "xlsx", "who": "all"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [row for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][0] == "Due" and len(values) == 4
