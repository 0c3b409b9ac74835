"""The bench of the browser tests of issue 14: a room, a rack and a cage of three mice due a body weight today, a
to-do item and a delivered DCC export, with the URL of every page those tests walk through.

`bench_pages` is a fixture (imported by the test modules that use it); `login(page, url, user)` logs a person in
through the login form, the way a person would.
"""
import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse

from colonies.models import Cage, Colony, Mouse, Reminder
from procedures.dcc.models import Submission
from procedures.models import ScheduledTest
from procedures.services import mice_enrol
from tests.e2e.conftest import PASSWORD
from tests.factories import CageFactory, CagePlacementFactory, ColonyFactory, MouseFactory, body_weight_procedure

#: The pages of the acceptance of issue 14, by a name used in screenshots and failure messages.
PAGE_NAMES = ("worklist", "record", "batch", "todo", "mice", "mouse", "cage", "colony", "dcc")


@dataclass
class Bench:
    cage: Cage
    colony: Colony
    mice: list[Mouse]
    tests: list[ScheduledTest]
    urls: dict[str, str]


@pytest.fixture
def bench_pages(transactional_db, centre, centre_admin) -> Bench:
    """GIVEN Harwell's cage H-C101 in room 2 with three mice of HAR-PAX6, each due a body weight today."""
    procedure = body_weight_procedure()
    colony = ColonyFactory(centre=centre, name="HAR-PAX6")
    cage = CageFactory(centre=centre, cage_id="H-C101", rack__name="R4", rack__room__name="Room 2")
    mice = [MouseFactory(centre=centre, colony=colony, specimen_id=f"H-00{n}", ear_mark=f"L{n}",
                         sex=Mouse.Sex.MALE if n % 2 else Mouse.Sex.FEMALE) for n in (1, 2, 3)]
    for mouse in mice:
        CagePlacementFactory(mouse=mouse, cage=cage)
    mice_enrol(mice=mice, pipeline=procedure.pipeline, actor=centre_admin, enrolled_on=dt.date.today())
    tests = list(ScheduledTest.objects.filter(mouse__in=mice, procedure=procedure).order_by("mouse__specimen_id"))
    Reminder.objects.create(centre=centre, kind=Reminder.Kind.GENOTYPE, key=f"genotype:mouse:{mice[0].pk}",
                            due_on=dt.date.today(), title=f"Genotype {mice[0].specimen_id}", mouse=mice[0])
    Submission.objects.create(centre=centre, created_by=centre_admin, status=Submission.Status.DELIVERED,
                              progress=100)
    batch = reverse("procedures:batch_record") + "?" + "&".join(f"tests={t.pk}" for t in tests)
    urls = {
        "worklist": reverse("procedures:worklist"),
        "record": reverse("procedures:experiment_record", args=[tests[0].pk]),
        "batch": batch,
        "todo": reverse("colonies:todo"),
        "mice": reverse("colonies:mouse_list"),
        "mouse": mice[0].get_absolute_url(),
        "cage": cage.get_absolute_url(),
        "colony": colony.get_absolute_url(),
        "dcc": reverse("dcc:overview"),
    }
    return Bench(cage=cage, colony=colony, mice=mice, tests=tests, urls=urls)


def login(page, base_url: str, user) -> None:
    """Log `user` in through the login form and wait for the page they land on."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
