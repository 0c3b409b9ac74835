"""Shaped by role (issue 14 point 2): each role lands on its own work, sees its own area first in the menu, and a
technician neither sees nor opens the production and mating forms (the API refuses them too)."""
import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import CageFactory, MicroInjectionFactory, MouseFactory

pytestmark = pytest.mark.django_db

LANDING = {"tech": "procedures:worklist", "manager": "colonies:todo", "wrangler": "dcc:overview",
           "centre_admin": "dashboard", "readonly": "dashboard"}
FIRST_AREA = {"tech": "Phenotyping", "manager": "Colony", "wrangler": "DCC", "centre_admin": "Production"}


@pytest.mark.parametrize("persona", list(LANDING))
def test_each_role_lands_on_its_own_work_after_logging_in(client, request, persona):
    user = request.getfixturevalue(persona)
    response = client.post(reverse("login"), {"username": user.username, "password": "correct-horse-battery"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse(LANDING[persona])
    assert response.status_code == 200


def test_a_next_page_still_wins_over_the_landing(client, tech):
    response = client.post(reverse("login") + "?next=/colony/mice/", {"username": tech.username,
                                                                      "password": "correct-horse-battery"})
    assert response["Location"] == "/colony/mice/"


@pytest.mark.parametrize("persona", list(FIRST_AREA))
def test_each_role_sees_its_own_area_first_in_the_menu(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    navigation = client.get(reverse("dashboard")).context["navigation"]
    assert navigation[0][0] == FIRST_AREA[persona]


def test_the_technicians_menu_leaves_out_production_and_matings(client, tech, manager):
    client.force_login(tech)
    page = client.get(reverse("procedures:worklist")).content.decode()
    assert "Micro-injections" not in page and ">Matings<" not in page and ">Plans<" not in page
    assert ">Worklist<" in page and ">Mice<" in page
    client.force_login(manager)
    page = client.get(reverse("procedures:worklist")).content.decode()
    assert "Micro-injections" in page and ">Matings<" in page


def test_a_technician_gets_403_on_the_micro_injection_and_mating_forms(client, tech, manager):
    client.force_login(tech)
    for name in ("colonies:microinjection_create", "colonies:mating_create", "colonies:plan_create"):
        assert client.get(reverse(name)).status_code == 403, name
    client.force_login(manager)
    for name in ("colonies:microinjection_create", "colonies:mating_create"):
        assert client.get(reverse(name)).status_code == 200, name


def test_a_technician_sees_no_create_buttons_on_micro_injections_matings_or_a_cage(client, centre, tech, manager):
    cage = CageFactory(centre=centre)
    MicroInjectionFactory(centre=centre)
    pages = {reverse("colonies:microinjection_list"): "New micro-injection",
             reverse("colonies:mating_list"): "New mating",
             cage.get_absolute_url(): "Set up mating"}
    client.force_login(tech)
    for url, button in pages.items():
        response = client.get(url)
        assert response.status_code == 200 and button not in response.content.decode(), url
    assert "Move mice here" in client.get(cage.get_absolute_url()).content.decode()  # the bench work stays
    client.force_login(manager)
    for url, button in pages.items():
        assert button in client.get(url).content.decode(), url


def test_the_api_refuses_a_technicians_mating_as_the_form_does(auth_client, centre, tech):
    male = MouseFactory(centre=centre, sex="male", date_of_birth=dt.date(2025, 10, 1))
    female = MouseFactory(centre=centre, sex="female", date_of_birth=dt.date(2025, 10, 1))
    response = auth_client(tech).post("/api/v1/matings/", {"male": male.pk, "females": [female.pk],
                                                           "set_up_on": "2026-01-10"}, format="json")
    assert response.status_code == 403
