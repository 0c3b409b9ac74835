"""Factories of production and colony records: plans, ES cells, attempts, colonies, mice, housing, breeding and
genotyping."""
import datetime as dt

import factory
from factory.django import DjangoModelFactory

from colonies.models import (
    Cage,
    CagePlacement,
    Colony,
    EsCell,
    GenotypingAssay,
    GenotypingSample,
    Litter,
    Mating,
    MatingFemale,
    MicroInjection,
    Mouse,
    Plan,
    Rack,
    Room,
    ZygosityRule,
)
from tests.factories.lims import CentreFactory, ConsortiumFactory, GeneFactory, StrainFactory


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    centre = factory.SubFactory(CentreFactory)
    gene = factory.SubFactory(GeneFactory)
    consortium = factory.SubFactory(ConsortiumFactory)


class EsCellFactory(DjangoModelFactory):
    class Meta:
        model = EsCell

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"EPD{n:07d}_A01")
    gene = factory.SubFactory(GeneFactory)
    allele_type = "a"
    allele_symbol_superscript = "tm1a(EUCOMM)Wtsi"
    pipeline = "EUCOMM"
    parental_cell_line = "JM8A3.N1"


class MicroInjectionFactory(DjangoModelFactory):
    """A genotype-confirmed ES cell attempt by default (the skeleton's path)."""

    class Meta:
        model = MicroInjection

    centre = factory.SubFactory(CentreFactory)
    plan = factory.SubFactory(PlanFactory, centre=factory.SelfAttribute("..centre"))
    es_cell = factory.SubFactory(EsCellFactory, centre=factory.SelfAttribute("..centre"),
                                 gene=factory.SelfAttribute("..plan.gene"))
    external_ref = factory.Sequence(lambda n: f"MI-{n:05d}")
    mi_date = dt.date(2025, 6, 1)
    total_male_chimeras = 3
    number_of_het_offspring = 2
    status = MicroInjection.Status.GENOTYPE_CONFIRMED


class ColonyFactory(DjangoModelFactory):
    class Meta:
        model = Colony

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"COL{n:04d}")
    microinjection = factory.SubFactory(MicroInjectionFactory, centre=factory.SelfAttribute("..centre"))
    gene = factory.SelfAttribute("microinjection.plan.gene")
    background_strain = factory.SubFactory(StrainFactory)
    genotype_status = Colony.GenotypeStatus.CONFIRMED
    project = "BaSH"


class MouseFactory(DjangoModelFactory):
    """A heterozygous mutant of a colony; pass is_baseline=True, colony=None, zygosity='wild type' for a control."""

    class Meta:
        model = Mouse

    centre = factory.SubFactory(CentreFactory)
    specimen_id = factory.Sequence(lambda n: f"M{n:06d}")
    colony = factory.SubFactory(ColonyFactory, centre=factory.SelfAttribute("..centre"))
    strain = factory.SubFactory(StrainFactory)
    sex = Mouse.Sex.FEMALE
    date_of_birth = dt.date(2026, 1, 5)
    zygosity = Mouse.Zygosity.HETEROZYGOUS
    litter_code = factory.Sequence(lambda n: f"L{n:05d}")


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    centre = factory.SubFactory(CentreFactory)
    building = "Mary Lyon Centre"
    name = factory.Sequence(lambda n: f"Room {n}")


class RackFactory(DjangoModelFactory):
    class Meta:
        model = Rack

    room = factory.SubFactory(RoomFactory)
    centre = factory.SelfAttribute("room.centre")
    name = factory.Sequence(lambda n: f"R{n}")
    positions = 40


class CageFactory(DjangoModelFactory):
    class Meta:
        model = Cage

    centre = factory.SubFactory(CentreFactory)
    cage_id = factory.Sequence(lambda n: f"C{n:05d}")
    rack = factory.SubFactory(RackFactory, centre=factory.SelfAttribute("..centre"),
                              room__centre=factory.SelfAttribute("...centre"))
    opened_on = dt.date(2026, 1, 1)


class CagePlacementFactory(DjangoModelFactory):
    """Put a mouse in a cage (directly, without the capacity rules of `colonies.services`)."""

    class Meta:
        model = CagePlacement

    mouse = factory.SubFactory(MouseFactory)
    cage = factory.SubFactory(CageFactory, centre=factory.SelfAttribute("..mouse.centre"))
    started_on = dt.date(2026, 1, 1)


class MatingFactory(DjangoModelFactory):
    """A pair mating of a colony's adult male; add females with `MatingFemaleFactory` (or use `pair_mating`)."""

    class Meta:
        model = Mating

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"MAT{n:05d}")
    colony = factory.SubFactory(ColonyFactory, centre=factory.SelfAttribute("..centre"))
    male = factory.SubFactory(MouseFactory, centre=factory.SelfAttribute("..centre"),
                              colony=factory.SelfAttribute("..colony"), sex=Mouse.Sex.MALE,
                              date_of_birth=dt.date(2025, 10, 1), breeding_status=Mouse.BreedingStatus.BREEDER)
    set_up_on = dt.date(2026, 1, 1)


class MatingFemaleFactory(DjangoModelFactory):
    class Meta:
        model = MatingFemale

    mating = factory.SubFactory(MatingFactory)
    female = factory.SubFactory(MouseFactory, centre=factory.SelfAttribute("..mating.centre"),
                                colony=factory.SelfAttribute("..mating.colony"), sex=Mouse.Sex.FEMALE,
                                date_of_birth=dt.date(2025, 10, 1), breeding_status=Mouse.BreedingStatus.BREEDER)
    joined_on = factory.SelfAttribute("mating.set_up_on")


def pair_mating(**kwargs) -> Mating:
    """A mating of one adult male and one adult female of the same colony (kwargs go to MatingFactory)."""
    mating = MatingFactory(**kwargs)
    MatingFemaleFactory(mating=mating)
    return mating


class LitterFactory(DjangoModelFactory):
    """A litter of a pair mating, born 20 days after set-up, not yet weaned."""

    class Meta:
        model = Litter

    mating = factory.LazyFunction(pair_mating)
    centre = factory.SelfAttribute("mating.centre")
    dam = factory.LazyAttribute(lambda o: o.mating.females.first())
    code = factory.Sequence(lambda n: f"LIT{n:05d}")
    born_on = factory.LazyAttribute(lambda o: o.mating.set_up_on + dt.timedelta(days=20))
    born_count = 7
    alive_count = 7


class GenotypingAssayFactory(DjangoModelFactory):
    """A two-band PCR assay with its three calls; add `ZygosityRuleFactory` rows to map them."""

    class Meta:
        model = GenotypingAssay

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"PCR-{n}")
    allele = "Pax6<tm1b(EUCOMM)Wtsi>"
    calls = ["WT band only", "both bands", "mutant band only"]


class ZygosityRuleFactory(DjangoModelFactory):
    class Meta:
        model = ZygosityRule

    assay = factory.SubFactory(GenotypingAssayFactory)
    centre = factory.SelfAttribute("assay.centre")
    call = "both bands"
    zygosity = Mouse.Zygosity.HETEROZYGOUS


class GenotypingSampleFactory(DjangoModelFactory):
    class Meta:
        model = GenotypingSample

    mouse = factory.SubFactory(MouseFactory)
    centre = factory.SelfAttribute("mouse.centre")
    sample_id = factory.Sequence(lambda n: f"S{n:06d}")
    collected_on = dt.date(2026, 1, 20)
