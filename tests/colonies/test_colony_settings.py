"""Colony settings: a centre sets its own thresholds, and the rules follow them."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from colonies import services
from colonies.models import ColonySettings, StrainSetting
from tests.factories import StrainFactory

pytestmark = pytest.mark.django_db


def test_thresholds_must_nest_and_the_pattern_must_number(manager):
    with pytest.raises(ValidationError) as exc:
        services.colony_settings_update(actor=manager, centre=manager.centre, wean_usual_min_days=25,
                                        mouse_id_pattern="{centre}-{litter}")
    errors = exc.value.message_dict
    assert "cannot be below wean usual min days (25)" in errors["wean_target_days"][0]
    assert errors["mouse_id_pattern"] == [
        "Unknown token(s) {litter}; use {centre}, {colony}, {seq}, {year}, {yy}.",
        "The pattern must contain {seq} (the running number), e.g. {centre}-{yy}-{seq:05}."]
    assert not ColonySettings.objects.exists()


def test_settings_page_saves_and_the_id_pattern_applies(client, manager):
    client.force_login(manager)
    page = client.get(reverse("colonies:colony_settings"))
    assert page.status_code == 200 and page.context["form"].initial["default_cage_capacity"] == 5
    data = {name: field.initial if field.initial is not None else page.context["form"].initial.get(name)
            for name, field in page.context["form"].fields.items()}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update(which="settings", mouse_id_pattern="HAR{seq:04}", default_cage_capacity=4)
    saved = client.post(reverse("colonies:colony_settings"), data)
    assert saved.status_code == 302
    assert services.next_mouse_id(manager.centre, on=dt.date(2026, 1, 1)) == "HAR0001"
    assert services.cage_create(actor=manager, opened_on=dt.date(2026, 1, 1)).capacity == 4
    strain = StrainFactory(name="BALB/c")
    client.post(reverse("colonies:colony_settings"), {"which": "strain", "strain": strain.pk,
                                                      "breeding_age_days": 56})
    assert StrainSetting.objects.get(centre=manager.centre, strain=strain).breeding_age_days == 56


def test_technician_reads_but_cannot_change(client, tech):
    client.force_login(tech)
    page = client.get(reverse("colonies:colony_settings"))
    assert page.status_code == 200 and "Save settings" not in page.content.decode()
    assert client.post(reverse("colonies:colony_settings"), {"which": "settings"}).status_code == 403
