"""The web forms refuse a save made from a stale page, like the API does (409 there, a message here).

Two people open the same record's edit page; the first saves; the second's save, carrying the version the page
was opened at, is refused above the form and the first person's change stays. A page opened after the first save
saves normally.
"""
import re

import pytest
from django.test import Client

from colonies.services import mating_update, mouse_update
from procedures.services import EnteredValue, experiment_record, experiment_values_update
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure, pair_mating

pytestmark = pytest.mark.django_db


def _page(client, url) -> dict:
    """GET an edit page; the posted data a browser would send back unchanged (every input and selected option)."""
    html = client.get(url).content.decode()
    data = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = text.strip()
    data.pop("csrfmiddlewaretoken", None)
    return data


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_stale_mouse_form_is_refused_and_the_other_change_kept(manager):
    mouse = MouseFactory(centre=manager.centre, ear_mark="")
    url = f"/colony/mice/{mouse.pk}/edit/"
    client = _login(manager)
    page = _page(client, url)
    assert page["version"] == str(mouse.version)

    mouse_update(instance=mouse, actor=manager, ear_mark="L1")  # someone else saves first
    response = client.post(url, {**page, "ear_mark": "R2"})
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    mouse.refresh_from_db()
    assert mouse.ear_mark == "L1"

    fresh = _page(client, url)
    response = client.post(url, {**fresh, "ear_mark": "R2"})
    assert response.status_code == 302
    mouse.refresh_from_db()
    assert mouse.ear_mark == "R2" and mouse.version == int(fresh["version"]) + 1


def test_stale_mating_form_is_refused(manager):
    mating = pair_mating(centre=manager.centre)
    url = f"/colony/matings/{mating.pk}/edit/"
    client = _login(manager)
    page = _page(client, url)
    mating_update(instance=mating, actor=manager, notes="first")
    response = client.post(url, {**page, "notes": "second"})
    assert "changed by someone else" in response.content.decode()
    mating.refresh_from_db()
    assert mating.notes == "first"


def test_stale_experiment_edit_is_refused(tech):
    mouse = MouseFactory(centre=tech.centre)
    experiment = experiment_record(mouse=mouse, procedure=body_weight_procedure(),
                                   date_of_experiment=mouse.date_of_birth, actor=tech,
                                   values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()})
    url = f"/phenotyping/experiments/{experiment.pk}/edit/"
    client = _login(tech)
    page = _page(client, url)
    assert page["version"] == str(experiment.version)
    experiment_values_update(experiment=experiment, values={"IMPC_BWT_001_001": [EnteredValue(value="30.1")]},
                             actor=tech)
    response = client.post(url, {**page, "IMPC_BWT_001_001": "31.5"})
    assert "changed by someone else" in response.content.decode()
    assert experiment.values.get(parameter__key="IMPC_BWT_001_001").value == "30.1"
