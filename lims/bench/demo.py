"""The demo data set: one real DCC centre (Harwell, `H`) with lines at each stage of the walking skeleton.

Dates are relative to today so that something is always due on the worklist. Loading is idempotent: users are
(re)set every time, lab data is created once.
"""
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from colonies import services as production
from colonies.models import (
    AlleleModification,
    Cage,
    Colony,
    GenotypeResult,
    GenotypingAssay,
    Litter,
    Mating,
    MicroInjection,
    Mouse,
    Plan,
    Reminder,
    Room,
)
from colonies.services.reminders import reminders_batch
from lims.checks import dcc_schemas_present
from lims.models import Centre, Consortium, Gene, Role, Strain, User
from procedures.dcc.models import Submission
from procedures.dcc.services import submission_build, submission_create
from procedures.models import (
    Experiment,
    LineExperiment,
    Parameter,
    ParameterValue,
    Pipeline,
    Procedure,
    ScheduledTest,
)
from procedures.services import EnteredValue, experiment_record, line_experiment_record, mice_enrol

DEMO_CENTRE = "H"
OUTSIDER_CENTRE = "J"
DEMO_USERS = [
    ("demo-technician", Role.TECHNICIAN, DEMO_CENTRE),
    ("demo-colony-manager", Role.COLONY_MANAGER, DEMO_CENTRE),
    ("demo-data-wrangler", Role.DATA_WRANGLER, DEMO_CENTRE),
    ("demo-centre-admin", Role.CENTRE_ADMIN, DEMO_CENTRE),
    ("demo-read-only", Role.READ_ONLY, DEMO_CENTRE),
    ("demo-outsider", Role.TECHNICIAN, OUTSIDER_CENTRE),
]
BODY_WEIGHT_METADATA = {
    "IMPC_BWT_003_001": "SCALE-H-01",
    "IMPC_BWT_004_001": "Sartorius",
    "IMPC_BWT_005_001": "1001",
    "IMPC_BWT_007_001": "BP221S",
}


def demo_users_ensure(password: str) -> list[User]:
    users = []
    for username, role, code in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.centre = Centre.objects.get(code=code)
        user.role = role
        user.first_name = username.removeprefix("demo-").replace("-", " ").title()
        user.last_name = "(demo)"
        user.is_staff = role == Role.CENTRE_ADMIN
        user.set_password(password)
        user.save()
        users.append(user)
    return users


def _line(*, actor, centre, gene_symbol: str, stage: str, index: int):
    """One line of the demo: plan → ES cell → attempt, and for later stages a colony."""
    gene = Gene.objects.get(symbol=gene_symbol)
    consortium = Consortium.objects.get(name="BaSH")
    background = Strain.objects.get(name="C57BL/6NTac")
    plan = production.plan_create(actor=actor, centre=centre, gene=gene, consortium=consortium)
    es_cell = production.es_cell_create(
        actor=actor, centre=centre, gene=gene, name=f"EPD00{index}7_2_A0{index}", allele_type="a",
        allele_symbol_superscript="tm1a(EUCOMM)Wtsi", pipeline="EUCOMM", parental_cell_line="JM8A3.N1",
        strain=Strain.objects.get(name="C57BL/6N"),
    )
    counts = {"total_blasts_injected": 60, "total_transferred": 55, "number_surrogates_receiving": 3,
              "total_pups_born": 14}
    if stage in ("chimeras", "confirmed"):
        counts.update(total_male_chimeras=4, total_female_chimeras=1)
    if stage == "confirmed":
        counts.update(number_of_chimera_matings_attempted=3, number_of_chimera_matings_successful=2,
                      number_of_het_offspring=5, number_of_live_glt_offspring=6)
    attempt = production.microinjection_create(
        actor=actor, centre=centre, plan=plan, es_cell=es_cell, external_ref=f"H-{gene_symbol.upper()}-MI1",
        mi_date=date.today() - timedelta(days=200 - 20 * index), test_cross_strain=background,
        colony_background_strain=background, **counts,
    )
    if stage != "confirmed":
        return None
    return production.colony_create(
        actor=actor, centre=centre, name=f"H-{gene_symbol.upper()}-A01", microinjection=attempt,
        background_strain=background, genotype_status=Colony.GenotypeStatus.CONFIRMED,
        allele_symbol=f"{gene_symbol}<tm1a(EUCOMM)Wtsi>", project="BaSH",
    )


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create the demo lines once; return what exists.

    Every write goes through the services; their reminder refreshes are gathered and run once at the end.
    """
    with reminders_batch():
        return _demo_load()


def _demo_load() -> dict[str, int]:
    """Each part of the demo centre once (a part already there is left alone); counts of what the centre holds."""
    centre = Centre.objects.get(code=DEMO_CENTRE)
    actor = User.objects.get(username="demo-colony-manager")
    technician = User.objects.get(username="demo-technician")
    if not Plan.objects.filter(centre=centre).exists():
        _lines_and_cohort(actor=actor, technician=technician, centre=centre)
        # Before anything else is added: an export is all or nothing, so it must not meet a broken example.
        _dcc_history(centre=centre)
    if not Room.objects.filter(centre=centre).exists():
        _housing(actor=actor, centre=centre)
    if not GenotypingAssay.objects.filter(centre=centre).exists():
        _genotyping(actor=actor, centre=centre)
    if not AlleleModification.objects.filter(centre=centre).exists():
        _production_follow_ups(actor=actor, centre=centre)
    if not LineExperiment.objects.filter(centre=centre).exists():
        _line_experiments(actor=technician, centre=centre)
    # After the first export (_dcc_history): these are what the pre-flight must refuse.
    demo_preflight_load(centre=centre)
    # What the daily beat job would have computed this morning, so the to-do page is not empty on first run.
    production.reminders_compute(centre=centre, today=date.today())
    return {
        "plans": Plan.objects.filter(centre=centre).count(),
        "microinjections": MicroInjection.objects.filter(centre=centre).count(),
        "colonies": Colony.objects.filter(centre=centre).count(),
        "mice": Mouse.objects.filter(centre=centre).count(),
        "scheduled tests": ScheduledTest.objects.filter(centre=centre).count(),
        "cages": Cage.objects.filter(centre=centre).count(),
        "matings": Mating.objects.filter(centre=centre).count(),
        "litters": Litter.objects.filter(centre=centre).count(),
        "genotyping assays": GenotypingAssay.objects.filter(centre=centre).count(),
        "genotype results": GenotypeResult.objects.filter(centre=centre).count(),
        "DCC submissions": Submission.objects.filter(centre=centre).count(),
        "reminders": Reminder.objects.filter(centre=centre, done_at__isnull=True).count(),
    }


def _lines_and_cohort(*, actor, technician, centre) -> None:
    """Four lines at four production stages; a cohort of four mice from each confirmed colony and four baseline
    controls, enrolled in IMPC_001, half of them with their body weight already recorded."""
    _line(actor=actor, centre=centre, gene_symbol="Pax6", stage="in_progress", index=1)
    _line(actor=actor, centre=centre, gene_symbol="Akt2", stage="chimeras", index=2)
    colonies = [
        _line(actor=actor, centre=centre, gene_symbol="Cbx1", stage="confirmed", index=3),
        _line(actor=actor, centre=centre, gene_symbol="Trp53", stage="confirmed", index=4),
    ]
    baseline_strain = Strain.objects.get(name="C57BL/6NTac")
    # Eight weeks old: the body weight is due today and the week-9 tests come up next week.
    born = date.today() - timedelta(weeks=8)
    mice = []
    for c, colony in enumerate(colonies):
        for n in range(4):
            mice.append(production.mouse_create(
                actor=actor, centre=centre, specimen_id=f"H{c + 1}{n + 1:03d}", colony=colony,
                strain=baseline_strain, sex=Mouse.Sex.MALE if n % 2 else Mouse.Sex.FEMALE,
                date_of_birth=born - timedelta(days=c), zygosity=Mouse.Zygosity.HETEROZYGOUS,
                litter_code=f"HL{c + 1}01",
            ))
    for n in range(4):
        mice.append(production.mouse_create(
            actor=actor, centre=centre, specimen_id=f"HB{n + 1:03d}", colony=None, strain=baseline_strain,
            sex=Mouse.Sex.MALE if n % 2 else Mouse.Sex.FEMALE, date_of_birth=born,
            zygosity=Mouse.Zygosity.WILD_TYPE, is_baseline=True, litter_code="HBL01",
        ))
    pipeline = Pipeline.objects.get(key="IMPC_001")
    mice_enrol(mice=mice, pipeline=pipeline, actor=actor, enrolled_on=date.today())
    body_weight = Procedure.objects.get(pipeline=pipeline, key="IMPC_BWT_001")
    # Half the mice already have their body weight recorded (ready for the DCC); the rest are due today.
    for n, mouse in enumerate(mice[::2]):
        test = ScheduledTest.objects.get(mouse=mouse, procedure=body_weight)
        values = {"IMPC_BWT_001_001": [EnteredValue(value=f"{22.5 + n * 0.7:.1f}")]}
        values.update({k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_METADATA.items()})
        experiment_record(mouse=mouse, procedure=body_weight, date_of_experiment=date.today(),
                          values=values, actor=technician, experimenter="1001", scheduled_test=test)


def _housing(*, actor, centre) -> None:
    """A room with a rack, the cohort mice in stock cages, and breeding that has something due this week:
    a trio with a litter ready to wean in two days, and a pair set up three weeks ago still without a litter."""
    today = date.today()
    room = production.room_create(actor=actor, centre=centre, building="Mary Lyon Centre", name="Room 3")
    rack = production.rack_create(actor=actor, centre=centre, room=room, name="Rack A", positions=40)
    mice = list(Mouse.objects.filter(centre=centre).order_by("sex", "specimen_id"))
    groups = [[m for m in mice if m.sex == sex][start:start + 4]
              for sex in (Mouse.Sex.FEMALE, Mouse.Sex.MALE) for start in range(0, len(mice), 4)]
    for position, group in enumerate(g for g in groups if g):  # four of one sex per stock cage
        cage = production.cage_create(actor=actor, centre=centre, rack=rack, position=f"A{position + 1}",
                                      opened_on=min(m.date_of_birth for m in group) + timedelta(days=21))
        production.mice_move(actor=actor, mice=group, cage=cage, on=cage.opened_on, reason="cohort")
    colony = Colony.objects.filter(centre=centre, gene__symbol="Cbx1").first()
    strain = Strain.objects.get(name="C57BL/6NTac")

    def breeder(n: int, sex: str) -> Mouse:
        return production.mouse_create(actor=actor, centre=centre, colony=colony, strain=strain, sex=sex,
                                       date_of_birth=today - timedelta(weeks=16), generation="N2",
                                       zygosity=Mouse.Zygosity.HETEROZYGOUS, ear_mark=f"R{n}")

    trio_cage = production.cage_create(actor=actor, centre=centre, rack=rack, position="B1",
                                       cage_type=Cage.CageType.BREEDING, opened_on=today - timedelta(days=40))
    trio = production.mating_create(actor=actor, centre=centre, male=breeder(1, Mouse.Sex.MALE),
                                    females=[breeder(2, Mouse.Sex.FEMALE), breeder(3, Mouse.Sex.FEMALE)],
                                    set_up_on=today - timedelta(days=40), cage=trio_cage)
    production.litter_create(actor=actor, mating=trio, dam=trio.females.order_by("specimen_id").first(),
                             born_on=today - timedelta(days=19), born_count=7, alive_count=7)
    pair_cage = production.cage_create(actor=actor, centre=centre, rack=rack, position="B2",
                                       cage_type=Cage.CageType.BREEDING, opened_on=today - timedelta(days=22))
    production.mating_create(actor=actor, centre=centre, male=breeder(4, Mouse.Sex.MALE),
                             females=[breeder(5, Mouse.Sex.FEMALE)], set_up_on=today - timedelta(days=22),
                             cage=pair_cage)


# The demo's genotyping: for each assay its allele, whether it decides the mouse's zygosity, and its calls with the
# zygosity each call means (the rule table a centre edits).
DEMO_ASSAYS = [
    ("Cbx1 tm1a PCR (WT/LacZ)", "Cbx1<tm1a(EUCOMM)Wtsi>", True,
     [("WT band only", Mouse.Zygosity.WILD_TYPE), ("WT and mutant bands", Mouse.Zygosity.HETEROZYGOUS),
      ("Mutant band only", Mouse.Zygosity.HOMOZYGOUS)]),
    ("Trp53 tm1a PCR (WT/LacZ)", "Trp53<tm1a(EUCOMM)Wtsi>", True,
     [("WT band only", Mouse.Zygosity.WILD_TYPE), ("WT and mutant bands", Mouse.Zygosity.HETEROZYGOUS),
      ("Mutant band only", Mouse.Zygosity.HOMOZYGOUS)]),
    ("Generic Cre PCR", "Cre", False,
     [("Cre band", Mouse.Zygosity.HEMIZYGOUS), ("No Cre band", Mouse.Zygosity.WILD_TYPE)]),
]


def _genotyping(*, actor, centre) -> None:
    """Assays with their zygosity rules, and results: the Cbx1 mice and breeders typed het (as recorded) and free of
    Cre. The Trp53 cohort is left untyped, so its genotyping is on the to-do list."""
    assays = {}
    for name, allele, decides, calls in DEMO_ASSAYS:
        assay = production.assay_create(actor=actor, centre=centre, name=name, allele=allele,
                                        calls=[call for call, _zygosity in calls], sets_mouse_zygosity=decides,
                                        protocol="Ear punch, 35 cycles; bands read on a 2% agarose gel.")
        for call, zygosity in calls:
            production.zygosity_rule_create(actor=actor, centre=centre, assay=assay, call=call, zygosity=zygosity)
        assays[name] = assay
    mice = Mouse.objects.filter(centre=centre, colony__gene__symbol="Cbx1", kind=Mouse.Kind.MOUSE,
                                status=Mouse.Status.ALIVE).order_by("specimen_id")
    tested_on = date.today() - timedelta(days=1)
    for mouse in mice:
        collected_on = max(mouse.date_of_birth + timedelta(days=14), tested_on - timedelta(days=2))
        sample = production.sample_create(actor=actor, centre=centre, mouse=mouse, collected_on=collected_on)
        for name, call in (("Cbx1 tm1a PCR (WT/LacZ)", "WT and mutant bands"), ("Generic Cre PCR", "No Cre band")):
            production.result_record(actor=actor, centre=centre, mouse=mouse, assay=assays[name], call=call,
                                     tested_on=tested_on, sample=sample, batch="DEMO-PLATE-1")


def _production_follow_ups(*, actor, centre) -> None:
    """What follows a confirmed line: a Cre excision of Cbx1 (its child colony, tm1b), a phenotyping cohort of Trp53,
    and a CRISPR attempt on Myo7a with its guide and nuclease (founders obtained)."""
    cbx1 = Colony.objects.get(centre=centre, name="H-CBX1-A01")
    production.allele_modification_create(
        actor=actor, centre=centre, parent_colony=cbx1, deleter_strain=Strain.objects.get(name="Tg(Zp3-cre)3Mrt"),
        number_of_cre_matings_started=3, number_of_cre_matings_successful=0, allele_type="b")
    production.phenotyping_attempt_create(actor=actor, centre=centre,
                                          parent_colony=Colony.objects.get(centre=centre, name="H-TRP53-A01"))
    plan = production.plan_create(actor=actor, centre=centre, gene=Gene.objects.get(symbol="Myo7a"),
                                  consortium=Consortium.objects.get(name="BaSH"))
    production.microinjection_create(
        actor=actor, centre=centre, plan=plan, kind=MicroInjection.Kind.CRISPR, external_ref="H-MYO7A-CR1",
        mi_date=date.today() - timedelta(days=60), crsp_total_embryos_injected=120, crsp_total_embryos_survived=98,
        crsp_total_transfered=90, total_pups_born=14, crsp_no_founder_pups=14, no_nhej_g0_mutants=5,
        no_deletion_g0_mutants=2, assay_type="PCR", colony_background_strain=Strain.objects.get(name="C57BL/6NTac"),
        guides=[{"sequence": "GACCTGTACGAGCTGCTCAAGG", "pam": "AGG", "chromosome": "7", "strand": "+"}],
        nucleases=[{"nuclease_type": "Cas9", "nuclease_class": "protein", "concentration": 100.0}])


def _line_experiments(*, actor, centre) -> None:
    """A line-level record: the fertility screen of Trp53, not performed yet (no homozygotes bred), with its IMPC
    procedure status code, as the DCC receives it."""
    fertility = Procedure.objects.filter(key="IMPC_FER_001", pipeline__key="IMPC_001").first()
    if fertility is None:
        return
    line_experiment_record(colony=Colony.objects.get(centre=centre, name="H-TRP53-A01"), procedure=fertility,
                           date_of_experiment=date.today(), values={}, actor=actor, experimenter="1001",
                           status_code="IMPC_PSC_004: no homozygous mice bred yet")


def _dcc_history(*, centre) -> None:
    """The centre's first export, already done, and what was recorded since.

    The recorded body weights and their mice are built, validated against the DCC's schemas and delivered to the
    outbox (LIMS_DCC_OUTBOX, or the SFTP server when set), in this transaction, without a worker; so the DCC pages
    show a submission with its files and the records it sent. Then two more body weights are recorded: pending for
    the next export. It runs before any other demo record exists: an export is all or nothing, and a deliberately
    broken example (the pre-flight's) would fail it.
    """
    wrangler = User.objects.get(username="demo-data-wrangler")
    technician = User.objects.get(username="demo-technician")
    if dcc_schemas_present():  # a clone without the DCC's schemas still gets its demo (check lims.W003 says why)
        submission = submission_create(centre=centre, actor=wrangler)
        submission_build(submission_id=submission.pk)
    body_weight = Procedure.objects.get(pipeline__key="IMPC_001", key="IMPC_BWT_001")
    due = (ScheduledTest.objects.filter(centre=centre, procedure=body_weight, status=ScheduledTest.Status.SCHEDULED)
           .select_related("mouse").order_by("mouse__specimen_id")[:2])
    for n, test in enumerate(due):
        values = {"IMPC_BWT_001_001": [EnteredValue(value=f"{24.1 + n * 0.8:.1f}")]}
        values.update({k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_METADATA.items()})
        experiment_record(mouse=test.mouse, procedure=body_weight, date_of_experiment=date.today(), values=values,
                          actor=technician, experimenter="1001", scheduled_test=test)


# --- What the DCC pre-flight refuses ---------------------------------------------------------------------------
#
# Three experiments the centre's previous LIMS delivered and `dcc_import` brought back as history (imports keep
# what the bench would refuse, and the pre-flight says it before anything is sent again). Each is a finding on the
# DCC page, linked to the experiment to fix, so the demo's export is held until a data wrangler deals with them.

LEGACY_PREFIX = "H-LEGACY-"
#: IPGTT values as the old LIMS sent them: the glucose curve, but none of the metadata IMPReSS 2020 requires.
LEGACY_GLUCOSE = {"0": "142", "15": "318", "30": "296", "60": "231", "120": "165"}


def demo_preflight_load(*, centre: Centre) -> int:
    """Import, once, the three legacy experiments the DCC pre-flight refuses; return how many exist.

    * an Open Field with no values (`<procedure procedureID="IMPC_OFD_001"></procedure>`, as delivered when the
      LIMS knew no Open Field parameters);
    * an Eye Morphology of a version the LIMS's IMPReSS definition does not have (IMPC_EYE_003, registered by the
      import): no definition to check it against;
    * an IPGTT without the metadata parameters IMPReSS requires (equipment, strip, experimenter …).
    """
    from procedures.services import experiment_import, parameter_register_imported, procedure_register_imported

    existing = Experiment.objects.filter(centre=centre, dcc_experiment_id__startswith=LEGACY_PREFIX)
    if existing.exists():
        return existing.count()
    wrangler = User.objects.get(username="demo-data-wrangler")
    pipeline = Pipeline.objects.get(key="IMPC_001")
    # Baseline controls: their values do not become the QC report's default colony and parameter.
    mice = list(Mouse.objects.filter(centre=centre, is_baseline=True).order_by("specimen_id")[1:4])
    if len(mice) < 3:
        return 0
    on = date.today() - timedelta(days=3)
    common = {"actor": wrangler, "date_of_experiment": on, "source_project": "BaSH", "source_pipeline": "IMPC_001"}
    experiment_import(mouse=mice[0], procedure=Procedure.objects.get(pipeline=pipeline, key="IMPC_OFD_001"),
                      rows=[], dcc_experiment_id=f"{LEGACY_PREFIX}OFD-1", **common)

    eye = procedure_register_imported(pipeline=pipeline, key="IMPC_EYE_003", level=Procedure.Level.MOUSE,
                                      actor=wrangler)
    lens = parameter_register_imported(procedure=eye, key="IMPC_EYE_003_001", type=Parameter.Type.SIMPLE,
                                       actor=wrangler)
    experiment_import(mouse=mice[1], procedure=eye, dcc_experiment_id=f"{LEGACY_PREFIX}EYE-1", **common,
                      rows=[ParameterValue(parameter=lens, kind="simpleParameter", unit="", value="normal",
                                           position=0)])

    glucose = Procedure.objects.get(pipeline=pipeline, key="IMPC_IPG_001")
    parameters = {p.key: p for p in glucose.parameters.all()}
    rows = [ParameterValue(parameter=parameters["IMPC_IPG_001_001"], kind="simpleParameter", unit="g",
                           value="27.4", position=0)]
    rows += [ParameterValue(parameter=parameters["IMPC_IPG_002_001"], kind="seriesParameter", unit="mg/dl",
                            increment=increment, value=value, position=n)
             for n, (increment, value) in enumerate(LEGACY_GLUCOSE.items(), start=1)]
    experiment_import(mouse=mice[2], procedure=glucose, rows=rows, dcc_experiment_id=f"{LEGACY_PREFIX}IPG-1",
                      **common)
    return existing.count()


def demo_password() -> str:
    return settings.LIMS_DEMO_PASSWORD
