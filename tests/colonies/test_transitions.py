"""Every (from, to) pair of every production status machine, driven by the data as users record it.

Statuses are derived, so a "transition" is a change of recorded data; each test puts a record in `from` through
the services, applies the data of `to`, and checks the status and that stamps exist exactly for the statuses that
now hold.
"""
import datetime as dt
import itertools

import pytest

from colonies import services
from colonies.models import AlleleModification, Colony, MicroInjection, PhenotypingAttempt
from tests.factories import ColonyFactory, EsCellFactory, PlanFactory, StrainFactory

pytestmark = pytest.mark.django_db

MI = MicroInjection.Status
MI_DATA = {
    MI.IN_PROGRESS: {"total_male_chimeras": 0, "number_of_het_offspring": 0, "is_active": True},
    MI.CHIMERAS_OBTAINED: {"total_male_chimeras": 2, "number_of_het_offspring": 0, "is_active": True},
    MI.GENOTYPE_CONFIRMED: {"total_male_chimeras": 2, "number_of_het_offspring": 1, "is_active": True},
    MI.ABORTED: {"total_male_chimeras": 2, "number_of_het_offspring": 0, "is_active": False},
}


def _stamps(record) -> set[str]:
    return set(record.stamps.values_list("status", flat=True))


@pytest.mark.parametrize(("from_", "to"), [p for p in itertools.product(MI_DATA, MI_DATA) if p[0] != p[1]])
def test_es_cell_attempt_moves_between_every_pair(tech, from_, to):
    plan = PlanFactory(centre=tech.centre)
    es_cell = EsCellFactory(centre=tech.centre, gene=plan.gene)
    attempt = services.microinjection_create(actor=tech, plan=plan, es_cell=es_cell, external_ref="MI-T",
                                             mi_date=dt.date(2026, 1, 10), total_pups_born=10, **MI_DATA[from_])
    assert attempt.status == from_
    attempt = services.microinjection_update(instance=attempt, actor=tech, **MI_DATA[to])
    attempt.refresh_from_db()
    assert attempt.status == to
    expected = set(services.microinjection_holding_statuses(attempt))
    assert _stamps(attempt) == expected
    assert MI.IN_PROGRESS in expected
    assert attempt.stamps.get(status=MI.IN_PROGRESS).reached_on.isoformat() == "2026-01-10"


CRISPR = {
    MI.IN_PROGRESS: ({"no_nhej_g0_mutants": 0, "is_active": True}, Colony.GenotypeStatus.IN_PROGRESS),
    MI.FOUNDER_OBTAINED: ({"no_nhej_g0_mutants": 2, "is_active": True}, Colony.GenotypeStatus.IN_PROGRESS),
    MI.GENOTYPE_CONFIRMED: ({"no_nhej_g0_mutants": 2, "is_active": True}, Colony.GenotypeStatus.CONFIRMED),
    MI.ABORTED: ({"no_nhej_g0_mutants": 2, "is_active": False}, Colony.GenotypeStatus.IN_PROGRESS),
}
GUIDE = {"sequence": "GATTACAGATTACAGATTACAGG", "pam": "AGG"}
NUCLEASE = {"nuclease_type": "Cas9", "nuclease_class": "protein"}


def _crispr_to(attempt, colony, state, actor):
    data, genotype = CRISPR[state]
    attempt = services.microinjection_update(instance=attempt, actor=actor, **data)
    if colony.genotype_status != genotype:
        services.colony_update(instance=colony, actor=actor, genotype_status=genotype)
    attempt.refresh_from_db()
    return attempt


@pytest.mark.parametrize(("from_", "to"), [p for p in itertools.product(CRISPR, CRISPR) if p[0] != p[1]])
def test_crispr_attempt_moves_between_every_pair(tech, from_, to):
    plan = PlanFactory(centre=tech.centre)
    StrainFactory()
    attempt = services.microinjection_create(actor=tech, plan=plan, kind="crispr", external_ref="CR-T",
                                             mi_date=dt.date(2026, 1, 10), no_nhej_g0_mutants=1, guides=[GUIDE],
                                             nucleases=[NUCLEASE])
    assert attempt.status == MI.FOUNDER_OBTAINED
    colony = services.colony_create(actor=tech, name="CR-COL", microinjection=attempt,
                                    background_strain=StrainFactory())
    attempt = _crispr_to(attempt, colony, from_, tech)
    assert attempt.status == from_
    colony.refresh_from_db()
    attempt = _crispr_to(attempt, colony, to, tech)
    assert attempt.status == to
    assert _stamps(attempt) == set(services.microinjection_holding_statuses(attempt))


AM = AlleleModification.Status


def _am_data(state, deleter):
    base = {"deleter_strain": None, "tat_cre": False, "number_of_cre_matings_started": 0,
            "number_of_cre_matings_successful": 0, "allele_type": "", "is_active": True}
    if state in (AM.CRE_STARTED, AM.CRE_COMPLETE, AM.ABORTED):
        base.update(deleter_strain=deleter, number_of_cre_matings_started=3)
    if state == AM.CRE_COMPLETE:
        base.update(number_of_cre_matings_successful=2, allele_type="b")
    if state == AM.ABORTED:
        base.update(is_active=False)
    return base


@pytest.mark.parametrize(("from_", "to"), [p for p in itertools.product(AM.values, AM.values) if p[0] != p[1]])
def test_allele_modification_moves_between_every_pair(tech, from_, to):
    parent = ColonyFactory(centre=tech.centre)
    deleter = StrainFactory(name="Tg(Zp3-cre)3Mrt", mgi_id="", is_deleter=True, is_background=False)
    mod = services.allele_modification_create(actor=tech, parent_colony=parent,
                                              background_strain=parent.background_strain,
                                              **_am_data(from_, deleter))
    assert mod.status == from_
    assert mod.child_colony.name == f"{parent.name}-1"
    mod = services.allele_modification_update(instance=mod, actor=tech, **_am_data(to, deleter))
    mod.refresh_from_db()
    assert mod.status == to
    assert _stamps(mod) == set(services.allele_modification_holding_statuses(mod))


PA = PhenotypingAttempt.Status


def _pa_to(attempt, state, actor, mouse):
    """Registered → Started happens by recording an experiment; the flags drive the rest."""
    if state in (PA.STARTED, PA.COMPLETE) and not attempt.phenotyping_started:
        services.phenotyping_started_for(mouse=mouse, actor=actor)
        attempt.refresh_from_db()
    if state == PA.REGISTERED and attempt.phenotyping_started:
        return None  # phenotyping that has started cannot un-start: a real data fact, not a user choice
    return services.phenotyping_attempt_update(
        instance=attempt, actor=actor, phenotyping_complete=state == PA.COMPLETE, is_active=state != PA.ABORTED)


@pytest.mark.parametrize(("from_", "to"), [p for p in itertools.product(PA.values, PA.values) if p[0] != p[1]])
def test_phenotyping_attempt_moves_between_every_pair(tech, from_, to):
    from tests.factories import MouseFactory

    mouse = MouseFactory(centre=tech.centre)
    attempt = services.phenotyping_attempt_create(actor=tech, parent_colony=mouse.colony)
    assert attempt.colony_name == f"{mouse.colony.name}_{tech.centre.code}"
    attempt = _pa_to(attempt, from_, tech, mouse)
    assert attempt.status == from_
    moved = _pa_to(attempt, to, tech, mouse)
    if moved is None:
        assert to == PA.REGISTERED and attempt.phenotyping_started
        return
    moved.refresh_from_db()
    assert moved.status == to
    assert _stamps(moved) == set(services.phenotyping_attempt_holding_statuses(moved))
