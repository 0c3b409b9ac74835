"""Fewer clicks (issue 14 point 5): a colony from a micro-injection starts filled in, a plan's ES cells of its gene
come first, the colony page has New mouse / New mating and lists its cages and matings, the mouse page shows age."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from colonies import services
from colonies.models import ColonySettings, Mouse
from colonies.production.forms import MicroInjectionForm
from colonies.production.prefill import colony_initial, suggested_colony_name
from colonies.tables import age, age_in_words
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    EsCellFactory,
    GeneFactory,
    MicroInjectionFactory,
    MouseFactory,
    PlanFactory,
    StrainFactory,
    pair_mating,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(centre):
    """GIVEN a confirmed ES cell attempt on Pax6 with a colony background strain."""
    gene = GeneFactory(symbol="Pax6")
    strain = StrainFactory(name="C57BL/6N", is_background=True)
    attempt = MicroInjectionFactory(centre=centre, plan=PlanFactory(centre=centre, gene=gene),
                                    colony_background_strain=strain)
    return attempt


def test_a_colony_from_an_attempt_starts_with_name_strain_and_allele(attempt, manager, client):
    initial = colony_initial(attempt)
    assert initial["name"] == "H-Pax6-1"
    assert initial["background_strain"] == attempt.colony_background_strain_id
    assert initial["allele_symbol"] == "Pax6<tm1a(EUCOMM)Wtsi>"
    client.force_login(manager)
    html = client.get(reverse("colonies:colony_create"), {"microinjection": attempt.pk}).content.decode()
    assert 'value="H-Pax6-1"' in html
    assert f'<option value="{attempt.colony_background_strain_id}" selected>' in html
    assert 'value="Pax6&lt;tm1a(EUCOMM)Wtsi&gt;"' in html


def test_the_name_follows_the_centres_pattern_and_skips_names_taken(attempt, centre):
    ColonyFactory(centre=centre, name="H-Pax6-1", microinjection=attempt)
    assert suggested_colony_name(attempt) == "H-Pax6-2"
    ColonySettings.objects.create(centre=centre, colony_name_pattern="{attempt}_{gene}{n}")
    assert suggested_colony_name(attempt) == f"{attempt.external_ref}_Pax61"


def test_a_pattern_with_an_unknown_token_is_refused(centre, centre_admin):
    with pytest.raises(ValidationError) as refused:
        services.colony_settings_update(actor=centre_admin, centre=centre, colony_name_pattern="{centre}-{allele}")
    assert "Unknown token(s) {allele}" in str(refused.value)


def test_the_plans_gene_es_cells_come_first(attempt, centre, manager):
    other = EsCellFactory(centre=centre, name="AAA0001_A01")  # another gene, first by name
    mine = EsCellFactory(centre=centre, name="ZZZ0001_A01", gene=attempt.plan.gene)
    form = MicroInjectionForm(user=manager, initial={"plan": attempt.plan.pk})
    names = [label for value, label in form.fields["es_cell"].choices if value]
    assert set(names[:2]) == {mine.name, attempt.es_cell.name} and names.index(other.name) == 2
    unplanned = MicroInjectionForm(user=manager)
    assert [label for value, label in unplanned.fields["es_cell"].choices if value][0] == other.name  # by name


def test_the_colony_page_has_new_mouse_and_mating_and_lists_cages_and_matings(centre, manager, tech, readonly,
                                                                               client):
    colony = ColonyFactory(centre=centre)
    male = MouseFactory(centre=centre, colony=colony, sex=Mouse.Sex.MALE, date_of_birth=dt.date(2025, 10, 1))
    cage = CageFactory(centre=centre, cage_id="C-0042")
    CagePlacementFactory(mouse=male, cage=cage)
    mating = pair_mating(centre=centre, colony=colony, male=male)
    client.force_login(manager)
    html = client.get(colony.get_absolute_url()).content.decode()
    assert f'href="{reverse("colonies:mouse_create")}?colony={colony.pk}"' in html
    assert f'href="{reverse("colonies:mating_create")}?colony={colony.pk}"' in html
    assert "C-0042" in html and mating.name in html
    new_mouse = client.get(f'{reverse("colonies:mouse_create")}?colony={colony.pk}').content.decode()
    assert f'<option value="{colony.pk}" selected>' in new_mouse
    new_mating = client.get(f'{reverse("colonies:mating_create")}?colony={colony.pk}').content.decode()
    assert f'<option value="{colony.pk}" selected>' in new_mating
    client.force_login(tech)  # a technician adds mice but does not set up matings (the breeding area)
    html = client.get(colony.get_absolute_url()).content.decode()
    assert "New mouse" in html and "New mating" not in html
    client.force_login(readonly)
    html = client.get(colony.get_absolute_url()).content.decode()
    assert "New mouse" not in html and "New mating" not in html


@pytest.mark.parametrize(("days", "words"), [(0, "0 days"), (1, "1 day"), (7, "1 week"), (66, "9 weeks 3 days"),
                                             (15, "2 weeks 1 day")])
def test_age_in_weeks_and_days(days, words):
    assert age_in_words(days) == words


def test_the_mouse_page_shows_the_age(centre, manager, client):
    born = dt.date.today() - dt.timedelta(days=66)
    mouse = MouseFactory(centre=centre, date_of_birth=born)
    assert age(mouse) == "9 weeks 3 days"
    dead = MouseFactory(centre=centre, date_of_birth=born, status=Mouse.Status.DEAD,
                        status_date=born + dt.timedelta(days=50))
    assert age(dead) == f"7 weeks 1 day (on {(born + dt.timedelta(days=50)).isoformat()})"
    client.force_login(manager)
    html = client.get(mouse.get_absolute_url()).content.decode()
    assert "<dt>Age</dt>" in html and "9 weeks 3 days" in html


def test_api_gives_the_colony_defaults_of_an_attempt_and_a_mouses_age(attempt, manager, outsider, auth_client):
    answer = auth_client(manager).get(f"/api/v1/microinjections/{attempt.pk}/colony-defaults/")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"microinjection": attempt.pk, "name": "H-Pax6-1", "gene": attempt.plan.gene_id,
                             "background_strain": attempt.colony_background_strain_id,
                             "allele_symbol": "Pax6<tm1a(EUCOMM)Wtsi>"}
    assert auth_client(outsider).get(f"/api/v1/microinjections/{attempt.pk}/colony-defaults/").status_code == 404

    mouse = MouseFactory(centre=manager.centre, date_of_birth=dt.date.today() - dt.timedelta(days=15))
    assert auth_client(manager).get(f"/api/v1/mice/{mouse.pk}/").json()["age"] == "2 weeks 1 day"
