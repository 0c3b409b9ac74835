"""One definition of each fact (issue 16 item 3): the colony settings, "users of my centre", and centre scoping.

`colonies.selectors.colony_settings_for` is the only reader of a centre's thresholds; `lims.scoping.centre_users`
the only "people of my centre" query; every centre filter goes through `lims.scoping.scope_for_user`.
"""
import datetime as dt

import pytest

from colonies.models import ColonySettings, Plan, StatusStamp
from colonies.selectors import colony_settings_for
from colonies.services import colony_settings_update
from lims.models import Role
from lims.scoping import centre_users, scope_for_user
from tests.factories import MicroInjectionFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Colony settings -----------------------------------------------------------------------------------------------


def test_a_centre_without_settings_gets_the_model_defaults_unsaved(centre):
    settings = colony_settings_for(centre)
    assert settings.pk is None and settings.centre_id == centre.pk
    assert settings.wean_target_days == ColonySettings._meta.get_field("wean_target_days").default
    assert not ColonySettings.objects.exists()


def test_saved_settings_are_read_by_centre_or_id_and_never_stale(centre, centre_admin):
    colony_settings_for(centre)  # read once before the change: nothing may be kept from this read
    colony_settings_update(actor=centre_admin, centre=centre, wean_target_days=23)
    assert colony_settings_for(centre).wean_target_days == 23
    assert colony_settings_for(centre.pk).wean_target_days == 23
    colony_settings_update(actor=centre_admin, centre=centre, wean_target_days=19)
    assert colony_settings_for(centre).wean_target_days == 19


def test_no_centre_gets_the_defaults(db):
    assert colony_settings_for(None).gestation_min_days == ColonySettings._meta.get_field("gestation_min_days").default


def test_the_breeding_report_reads_the_centres_settings(client, centre, centre_admin):
    """A saved gestation threshold changes which matings the report counts as litter due (was read separately)."""
    from lims.reports import breeding
    from tests.factories import pair_mating

    pair_mating(centre=centre, set_up_on=dt.date.today() - dt.timedelta(days=19))
    assert breeding.build(centre_admin).summary["litters_due"] == 1  # default gestation 18 days
    colony_settings_update(actor=centre_admin, centre=centre, gestation_min_days=20)
    assert breeding.build(centre_admin).summary["litters_due"] == 0


# --- Users of my centre ----------------------------------------------------------------------------------------------


def test_centre_users_are_the_people_of_that_centre_only(centre, other_centre, tech, manager, outsider):
    assert set(centre_users(centre)) == {tech, manager}
    assert set(centre_users(other_centre.pk)) == {outsider}
    UserFactory(username="nobody", centre=None, role=Role.READ_ONLY)
    assert list(centre_users(None)) == []


def test_a_matings_responsible_person_is_chosen_among_the_centres_people(centre, manager, outsider):
    from colonies.husbandry.forms import MatingForm

    choices = MatingForm(user=manager).fields["responsible"].queryset
    assert manager in choices and outsider not in choices


# --- Scoping ---------------------------------------------------------------------------------------------------------


def test_own_centre_limits_a_superuser_to_their_centre(centre, other_centre):
    mine, theirs = PlanFactory(centre=centre), PlanFactory(centre=other_centre)
    root = UserFactory(username="root", centre=centre, is_superuser=True)
    assert set(scope_for_user(Plan.objects.all(), root)) == {mine, theirs}
    assert list(scope_for_user(Plan.objects.all(), root, own_centre=True)) == [mine]
    homeless = UserFactory(username="homeless-root", centre=None, is_superuser=True)
    assert list(scope_for_user(Plan.objects.all(), homeless, own_centre=True)) == []


def test_an_import_template_offers_the_plans_of_the_importers_centre_only(centre, other_centre):
    """A superuser importing for their centre is never offered (nor matched to) another centre's plan."""
    from colonies.production.imports import microinjection_template

    mine, theirs = PlanFactory(centre=centre), PlanFactory(centre=other_centre)
    root = UserFactory(username="root", centre=centre, is_superuser=True, role=Role.CENTRE_ADMIN)
    sheet = microinjection_template(actor=root)["Plans"]
    offered = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] is not None}
    assert mine.pk in offered and theirs.pk not in offered


def test_status_stamps_are_scoped_through_any_of_their_parents(centre, other_centre, tech):
    mine = MicroInjectionFactory(centre=centre)
    theirs = MicroInjectionFactory(centre=other_centre)
    for attempt in (mine, theirs):
        StatusStamp.objects.create(microinjection=attempt, status="xyz", reached_on=dt.date(2026, 1, 5))
    assert [s.microinjection_id for s in scope_for_user(StatusStamp.objects.filter(status="xyz"), tech)] == [mine.pk]
