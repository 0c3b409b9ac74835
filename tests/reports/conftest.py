"""Generated data for the report tests: two centres (Harwell, JAX), every kind of record a report counts.

Dates are relative to today, so the languishing bands, the six-month efficiency cut-off and the default 90-day
periods always see the same data. JAX's records exist only to prove they never reach a Harwell report.
"""
import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from colonies.models import AlleleModification, MicroInjection, Mouse, PhenotypingAttempt, StatusStamp
from procedures.dcc.models import Submission, SubmissionRecord
from procedures.models import Experiment, Parameter, ParameterValue, ScheduledTest
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    ConsortiumFactory,
    GeneFactory,
    LitterFactory,
    MicroInjectionFactory,
    MouseFactory,
    PlanFactory,
    ProcedureFactory,
    body_weight_procedure,
    pair_mating,
)

MI = MicroInjection.Status


def rows_by(table, *keys):
    """{(values of the key columns): {header: value}} for a report table."""
    index = [table.headers.index(k) for k in keys]
    return {tuple(row[i] for i in index): dict(zip(table.headers, row, strict=True)) for row in table.rows}


def _attempt(centre, gene, consortium, status, mi_date, stamps, ref):
    plan = PlanFactory(centre=centre, gene=gene, consortium=consortium)
    attempt = MicroInjectionFactory(centre=centre, plan=plan, status=status, mi_date=mi_date, external_ref=ref)
    for code, day in stamps:
        StatusStamp.objects.create(microinjection=attempt, status=code, reached_on=day)
    return attempt


def _test(mouse, procedure, status, window_end):
    return ScheduledTest.objects.create(centre=mouse.centre, mouse=mouse, procedure=procedure, status=status,
                                        due_date=window_end - dt.timedelta(days=3),
                                        window_start=window_end - dt.timedelta(days=7), window_end=window_end)


def _experiment(mouse, procedure, day, value=None, parameter=None, **extra):
    experiment = Experiment.objects.create(centre=mouse.centre, mouse=mouse, procedure=procedure,
                                           date_of_experiment=day, **extra)
    if parameter is not None:
        ParameterValue.objects.create(experiment=experiment, parameter=parameter, value=value)
    return experiment


def build_centre(centre, *, prefix: str, today: dt.date):
    """One centre's worth of production, breeding, phenotyping, DCC and QC data.

    Long for a reason: it is a flat list of the records every report test counts, one block per report; split into
    functions it would only pass the same dozen objects around."""
    bash = ConsortiumFactory(name="BaSH")
    dtcc = ConsortiumFactory(name="DTCC", funding="KOMP2")
    g = {name: GeneFactory(symbol=f"{prefix}{name}") for name in ("Alpha", "Beta", "Gamma", "Delta", "Eps")}
    d = lambda days: today - dt.timedelta(days=days)
    # Alpha: two attempts, both genotype confirmed, injected long ago (efficiency 2/2 for their cell).
    a1 = _attempt(centre, g["Alpha"], bash, MI.GENOTYPE_CONFIRMED, d(400),
                  [(MI.IN_PROGRESS, d(400)), (MI.CHIMERAS_OBTAINED, d(330)), (MI.GENOTYPE_CONFIRMED, d(300))],
                  f"{prefix}-A1")
    _attempt(centre, g["Alpha"], bash, MI.GENOTYPE_CONFIRMED, d(390),
             [(MI.IN_PROGRESS, d(390)), (MI.GENOTYPE_CONFIRMED, d(301))], f"{prefix}-A2")
    # Beta: in progress since 40 days ago (languishing 0–3).
    _attempt(centre, g["Beta"], bash, MI.IN_PROGRESS, d(40), [(MI.IN_PROGRESS, d(40))], f"{prefix}-B1")
    # Gamma: chimeras 18 months ago, nothing since (12+ months); injected > 6 months ago, not confirmed.
    _attempt(centre, g["Gamma"], bash, MI.CHIMERAS_OBTAINED, d(600),
             [(MI.IN_PROGRESS, d(600)), (MI.CHIMERAS_OBTAINED, d(540))], f"{prefix}-G1")
    # Delta under another consortium: in progress, no stamp at all (its injection date counts: 200 days → 6–12).
    _attempt(centre, g["Delta"], dtcc, MI.IN_PROGRESS, d(200), [], f"{prefix}-D1")
    # A voided attempt (never counted) and a plan with no attempt (counts under "Plans").
    voided = _attempt(centre, g["Eps"], bash, MI.ABORTED, d(500), [(MI.IN_PROGRESS, d(500))], f"{prefix}-E1")
    MicroInjection.objects.filter(pk=voided.pk).update(voided_at=timezone.now(), void_reason="typo")
    PlanFactory(centre=centre, gene=GeneFactory(symbol=f"{prefix}Zeta"), consortium=bash)

    colony = ColonyFactory(centre=centre, name=f"{prefix}-COL-A", microinjection=a1, gene=g["Alpha"])
    am = AlleleModification.objects.create(centre=centre, parent_colony=colony, status=AlleleModification.Status.CRE_COMPLETE)
    StatusStamp.objects.create(allele_modification=am, status=AlleleModification.Status.CRE_COMPLETE, reached_on=d(100))
    pa = PhenotypingAttempt.objects.create(centre=centre, parent_colony=colony, colony_name=f"{prefix}-PHEN-A",
                                           status=PhenotypingAttempt.Status.STARTED)
    StatusStamp.objects.create(phenotyping_attempt=pa, status=PhenotypingAttempt.Status.STARTED, reached_on=d(60))

    # Breeding: an active pair with a litter weaned and one due, an active pair with no litter yet, an ended one.
    m1 = pair_mating(centre=centre, colony=colony, set_up_on=d(60))
    LitterFactory(mating=m1, centre=centre, born_on=d(40), born_count=6, alive_count=6, weaned_on=d(19))
    LitterFactory(mating=m1, centre=centre, born_on=d(16), born_count=5, alive_count=5)
    pair_mating(centre=centre, colony=colony, set_up_on=d(30))
    ended = pair_mating(centre=centre, colony=colony, set_up_on=d(200))
    ended.ended_on = d(100)
    ended.save(update_fields=["ended_on"])
    cage = CageFactory(centre=centre, opened_on=d(50))
    CageFactory(centre=centre, opened_on=d(300), closed_on=d(10))
    CagePlacementFactory(mouse=m1.male, cage=cage, started_on=d(50))

    # Phenotyping: body weight (mandatory) and open field (not), tests in every status.
    bwt = body_weight_procedure()
    bwt.is_mandatory = True
    bwt.save(update_fields=["is_mandatory"])
    ofd = ProcedureFactory(key="IMPC_OFD_001", name="Open Field", is_mandatory=False)
    weight = Parameter.objects.get(procedure=bwt, key="IMPC_BWT_001_001")
    weight.max_value = 100
    weight.save(update_fields=["max_value"])
    mutants = [MouseFactory(centre=centre, colony=colony, sex=Mouse.Sex.FEMALE, date_of_birth=d(70)) for _ in range(4)]
    males = [MouseFactory(centre=centre, colony=colony, sex=Mouse.Sex.MALE, date_of_birth=d(70))]
    controls = [MouseFactory(centre=centre, colony=None, is_baseline=True, zygosity="wild type",
                             sex=Mouse.Sex.FEMALE, date_of_birth=d(70)) for _ in range(5)]
    S = ScheduledTest.Status
    for mouse, status in zip(mutants, [S.DONE, S.SCHEDULED, S.MISSED, S.NOT_PERFORMED], strict=True):
        _test(mouse, bwt, status, d(5))  # window closed five days ago: the scheduled and missed are overdue
    _test(males[0], bwt, S.CANCELLED, d(5))
    _test(mutants[0], ofd, S.SCHEDULED, d(-10))  # open, window still open: not overdue
    for mouse in controls[:2]:
        _test(mouse, bwt, S.DONE, d(5))
    # QC values: female controls ~20 g, mutants 20.5 (fine), 35 (|z| > 3), 150 (above max); a male with no baseline.
    for i, (mouse, value) in enumerate(zip(controls, ["20", "21", "19.5", "20.5", "19"], strict=True)):
        _experiment(mouse, bwt, d(20 + i), value, weight)
    _experiment(mutants[0], bwt, d(21), "20.5", weight)
    _experiment(mutants[1], bwt, d(22), "35", weight)
    _experiment(mutants[2], bwt, d(23), "150", weight, )
    _experiment(males[0], bwt, d(22), "30", weight)
    _experiment(mutants[3], bwt, d(8), "not a number", weight)
    _experiment(mutants[3], ofd, d(9))
    _experiment(mutants[3], ofd, d(10), voided_at=timezone.now(), void_reason="wrong mouse")
    late = _experiment(mutants[3], ofd, d(200))  # outside the default period: no throughput
    # DCC: a delivered submission 15 days ago carried every experiment so far (its ledger rows); one of them was
    # edited after QC lock since (needs resubmission), and one is recorded now: both pending.
    month_ago = timezone.now() - dt.timedelta(days=30)  # recorded and last written before that delivery
    Experiment.objects.filter(centre=centre).update(created_at=month_ago, updated_at=month_ago)
    ParameterValue.objects.filter(experiment__centre=centre).update(created_at=month_ago, updated_at=month_ago)
    Experiment.objects.filter(pk=late.pk).update(needs_resubmission=True)
    sent = Submission.objects.create(centre=centre, status=Submission.Status.DELIVERED,
                                     started_at=timezone.now() - dt.timedelta(days=15),
                                     finished_at=timezone.now() - dt.timedelta(days=15), experiment_count=12)
    SubmissionRecord.objects.bulk_create([
        SubmissionRecord(submission=sent, centre=centre, kind=SubmissionRecord.Kind.EXPERIMENT, object_id=pk,
                         sha256="0" * 64, folder="add")
        for pk in Experiment.objects.filter(centre=centre).values_list("pk", flat=True)])
    recent = _experiment(mutants[3], ofd, d(1))  # recorded now: pending
    for errors in (["XSD: element invalid"], ["XSD: element invalid", "more"], ["Outbox not writable"], []):
        Submission.objects.create(centre=centre, status=Submission.Status.FAILED, errors=errors,
                                  finished_at=timezone.now() - dt.timedelta(days=2))
    return SimpleNamespace(colony=colony, bwt=bwt, ofd=ofd, weight=weight, mutants=mutants, controls=controls,
                           recent=recent)


@pytest.fixture
def generated(centre, other_centre, manager, outsider):
    """GIVEN the same generated data set at Harwell (for `manager`) and at JAX (for `outsider`)."""
    today = timezone.localdate()
    here = build_centre(centre, prefix="H", today=today)
    build_centre(other_centre, prefix="J", today=today)
    return here
