"""Helpers of the colony tests: adult mice of a colony, a mating with its females, a whole production line, a
genotyping assay with its zygosity rules."""
import datetime as dt

from colonies import services
from colonies.models import Colony, Mating
from tests.factories import (
    ConsortiumFactory,
    EsCellFactory,
    GenotypingAssayFactory,
    MatingFactory,
    MatingFemaleFactory,
    MouseFactory,
    PlanFactory,
    StrainFactory,
    ZygosityRuleFactory,
)

#: Old enough to breed on any date the rules tests use.
ADULT = dt.date(2025, 10, 1)


def adult(colony, sex="female", **kw):
    """A mouse of `colony`, born on ADULT and of the colony's background strain unless told otherwise."""
    kw.setdefault("date_of_birth", ADULT)
    kw.setdefault("strain", colony.background_strain)
    return MouseFactory(centre=colony.centre, colony=colony, sex=sex, **kw)


def make_mating(centre, colony, name, set_up_on, *, females=1, **kwargs) -> Mating:
    """A mating of `colony` set up on `set_up_on` with `females` females (and the factory's male)."""
    mating = MatingFactory(centre=centre, colony=colony, name=name, set_up_on=set_up_on, **kwargs)
    for _ in range(females):
        MatingFemaleFactory(mating=mating)
    return mating


def production_line(*, centre, actor, gene, name: str) -> dict:
    """A production line made through the services, so every record has its stamps: a genotype-confirmed ES cell
    attempt, its confirmed colony with a mouse, a finished Cre excision, and a registered phenotyping cohort."""
    strain = StrainFactory()
    deleter = StrainFactory(name="Tg(Zp3-cre)3Mrt", mgi_id="", is_background=False, is_deleter=True)
    plan = PlanFactory(centre=centre, gene=gene, consortium=ConsortiumFactory())
    es_cell = EsCellFactory(centre=centre, gene=gene)
    attempt = services.microinjection_create(
        actor=actor, plan=plan, es_cell=es_cell, external_ref=f"{name}-MI", mi_date=dt.date(2026, 1, 10),
        total_male_chimeras=2, number_of_het_offspring=1)
    colony = services.colony_create(actor=actor, name=name, microinjection=attempt, background_strain=strain,
                                    genotype_status=Colony.GenotypeStatus.CONFIRMED)
    mouse = MouseFactory(centre=centre, colony=colony, specimen_id=f"{name}-M1")
    modification = services.allele_modification_create(
        actor=actor, parent_colony=colony, deleter_strain=deleter, number_of_cre_matings_started=2,
        number_of_cre_matings_successful=1, allele_type="b", background_strain=strain)
    cohort = services.phenotyping_attempt_create(actor=actor, parent_colony=colony)
    return {"plan": plan, "escell": es_cell, "microinjection": attempt, "colony": colony, "mouse": mouse,
            "allelemodification": modification, "phenotypingattempt": cohort}


#: The calls of a PCR with a wild-type and a mutant band, and what each means.
PAX6_RULES = {"WT band only": "wild type", "both bands": "heterozygous", "mutant band only": "homozygous"}


def pax6_assay(centre, rules=PAX6_RULES):
    """A genotyping assay of `centre` for Pax6<tm1b> with a zygosity rule per call of `rules`."""
    assay = GenotypingAssayFactory(centre=centre, name="Pax6 PCR", allele="Pax6<tm1b>")
    for call, zygosity in rules.items():
        ZygosityRuleFactory(assay=assay, call=call, zygosity=zygosity)
    return assay
