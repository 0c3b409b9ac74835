"""Every figure of every report against the same figure counted another way: plain Python over the rows.

GIVEN the generated data at two centres (tests/reports/conftest.py), WHEN Harwell's manager builds each report,
THEN each figure equals a count made here by walking the model instances, and nothing of JAX shows.
"""
import datetime as dt
import statistics
from collections import defaultdict

import pytest
from django.utils import timezone

from colonies.models import (
    AlleleModification,
    Cage,
    Litter,
    Mating,
    MatingFemale,
    MicroInjection,
    Mouse,
    PhenotypingAttempt,
    Plan,
    StatusStamp,
)
from lims.reports import breeding, dcc, phenotyping, production, qc
from lims.reports.production import months_ago
from procedures.dcc.models import Submission, SubmissionRecord
from procedures.models import Experiment, ParameterValue, ScheduledTest
from tests.reports.conftest import rows_by

pytestmark = pytest.mark.django_db


def _consortium(line) -> str:
    return line.plan.consortium.name


def independent_production(centre, today):
    """Distinct genes per (consortium, centre name) at each status, walking the objects."""
    cells = defaultdict(lambda: defaultdict(set))
    for plan in Plan.objects.filter(centre=centre, voided_at__isnull=True):
        cells[(plan.consortium.name, centre.name)]["Plans"].add(plan.gene_id)
    labels = {key: label for key, label, *_ in production.STAGES}
    for mi in MicroInjection.objects.filter(centre=centre, voided_at__isnull=True):
        key = f"mi_{mi.status}"
        if key in labels:
            cells[(_consortium(mi), centre.name)][labels[key]].add(mi.plan.gene_id)
    for am in AlleleModification.objects.filter(centre=centre, voided_at__isnull=True):
        if f"am_{am.status}" in labels:
            cells[(_consortium(am.parent_colony.microinjection), centre.name)][labels[f"am_{am.status}"]].add(
                am.parent_colony.gene_id)
    for pa in PhenotypingAttempt.objects.filter(centre=centre, voided_at__isnull=True):
        if f"pa_{pa.status}" in labels:
            cells[(_consortium(pa.parent_colony.microinjection), centre.name)][labels[f"pa_{pa.status}"]].add(
                pa.parent_colony.gene_id)
    return {key: {label: len(genes) for label, genes in cell.items()} for key, cell in cells.items()}


def check_production(user, centre):
    today = timezone.localdate()
    report = production.build(user)
    expected = independent_production(centre, today)
    status = rows_by(report.table("status"), "Consortium", "Centre")
    assert set(status) == set(expected)
    for key, figures in expected.items():
        for header in status[key]:
            if header not in ("Consortium", "Centre"):
                assert status[key][header] == figures.get(header, 0), (key, header)

    # By month: distinct genes per stamp month and status, from the stamps themselves.
    months = defaultdict(set)
    labels = {(model, code): label for _, label, model, code, _ in production.STAGES}
    for stamp in StatusStamp.objects.all():
        line = stamp.microinjection or stamp.allele_modification or stamp.phenotyping_attempt
        if line.centre_id != centre.pk or line.voided_at is not None or (type(line), stamp.status) not in labels:
            continue
        gene = line.plan.gene_id if isinstance(line, MicroInjection) else line.parent_colony.gene_id
        mi = line if isinstance(line, MicroInjection) else line.parent_colony.microinjection
        months[(stamp.reached_on.strftime("%Y-%m"), mi.plan.consortium.name, labels[(type(line), stamp.status)])].add(
            gene)
    got = {}
    for row in report.table("by_month").rows:
        for header, value in zip(report.table("by_month").headers[3:], row[3:], strict=True):
            if value:
                got[(row[0], row[1], header)] = value
    assert got == {key: len(genes) for key, genes in months.items()}

    # Efficiency: attempts injected six months ago or earlier, and how many are genotype confirmed.
    cutoff = months_ago(today, 6)
    eff = defaultdict(lambda: [0, 0])
    last = {}
    for mi in MicroInjection.objects.filter(centre=centre, voided_at__isnull=True):
        if mi.mi_date <= cutoff:
            eff[mi.plan.consortium.name][0] += 1
            eff[mi.plan.consortium.name][1] += mi.status == MicroInjection.Status.GENOTYPE_CONFIRMED
        if mi.status in production.OPEN_MI:
            days = [s.reached_on for s in mi.stamps.all()] or [mi.mi_date]
            last[mi.pk] = (mi.plan.consortium.name, max(days))
    rows = rows_by(report.table("efficiency"), "Consortium")
    assert {k: (r["Attempts older than six months"], r["Genotype confirmed"]) for (k,), r in rows.items()} == {
        k: tuple(v) for k, v in eff.items()}
    for (k,), r in rows.items():
        assert r["Efficiency"] == round(eff[k][1] / eff[k][0], 3)

    # Languishing: months since the last status, in bands.
    bands = defaultdict(lambda: [0] * len(production.IDLE_BANDS))
    for consortium, day in last.values():
        for i, (low, high) in enumerate(production.IDLE_BANDS):
            if day <= months_ago(today, low) and (high is None or day > months_ago(today, high)):
                bands[consortium][i] += 1
    got = {row[0]: row[2:] for row in report.table("languishing").rows}
    assert got == dict(bands)
    return report


def check_breeding(user, centre):
    today = timezone.localdate()
    report = breeding.build(user)
    start, end = report.params["start"], report.params["end"]
    gestation, wean_target = 18, 21
    per = defaultdict(lambda: defaultdict(float))
    for mating in Mating.objects.filter(centre=centre, voided_at__isnull=True):
        colony = mating.colony.name if mating.colony else breeding.NO_COLONY
        active = mating.ended_on is None
        per[colony]["Active matings"] += active
        has_litter = any(lit.voided_at is None for lit in mating.litters.all())
        per[colony]["Litters due"] += active and mating.set_up_on <= today - dt.timedelta(days=gestation) \
            and not has_litter
        for female in MatingFemale.objects.filter(mating=mating):
            stop = min(female.left_on or mating.ended_on or end, end)
            begin = max(female.joined_on, start)
            if female.joined_on <= end and stop >= begin:
                per[colony]["female_days"] += (stop - begin).days + 1
    for litter in Litter.objects.filter(centre=centre, voided_at__isnull=True):
        colony = litter.mating.colony.name if litter.mating.colony else breeding.NO_COLONY
        if litter.weaned_on is None and litter.alive_count and \
                litter.born_on + dt.timedelta(days=wean_target) <= today + dt.timedelta(days=7):
            per[colony]["Weanings due"] += 1
        per[colony]["Litters born"] += start <= litter.born_on <= end
        if litter.weaned_on and start <= litter.weaned_on <= end:
            per[colony]["Pups weaned"] += litter.alive_count
    rows = rows_by(report.table("matings"), "Colony")
    for colony, figures in per.items():
        row = rows[(colony,)]
        for header in ("Active matings", "Litters due", "Weanings due", "Litters born", "Pups weaned"):
            assert row[header] == figures[header], (colony, header)
        months = round(figures["female_days"] / breeding.DAYS_PER_MONTH, 2)
        assert row["Female-months"] == months
        assert row["Litters per female per month"] == (round(figures["Litters born"] / months, 3) if months else None)
    total = rows[("All colonies",)]
    assert total["Active matings"] == sum(f["Active matings"] for f in per.values())

    # Census total: alive, not voided mice born by the end; cage-days: every cage's days in use in the period.
    alive = [m for m in Mouse.objects.filter(centre=centre, voided_at__isnull=True)
             if m.date_of_birth <= end and (m.status == Mouse.Status.ALIVE or (m.status_date and m.status_date > end))]
    assert report.summary["mice"] == len(alive)
    days = 0
    for cage in Cage.objects.filter(centre=centre, voided_at__isnull=True):
        stop, begin = min(cage.closed_on or end, end), max(cage.opened_on, start)
        days += max((stop - begin).days + 1, 0)
    assert report.summary["cage_days"] == days
    weeks = defaultdict(int)
    for litter in Litter.objects.filter(centre=centre, voided_at__isnull=True, born_on__range=(start, end)):
        weeks[litter.born_on - dt.timedelta(days=litter.born_on.weekday())] += 1
    assert {r[0]: r[1] for r in report.table("litters_by_week").rows} == dict(weeks)
    return report


def check_phenotyping(user, centre):
    today = timezone.localdate()
    report = phenotyping.build(user)
    counts = defaultdict(lambda: defaultdict(int))
    for test in ScheduledTest.objects.filter(centre=centre, mouse__voided_at__isnull=True):
        key = (test.mouse.colony.name if test.mouse.colony else phenotyping.BASELINE,
               f"{test.procedure.name} ({test.procedure.key})")
        counts[key][test.status] += 1
        counts[key]["overdue"] += test.status in ScheduledTest.OPEN and test.window_end < today
    rows = rows_by(report.table("tests"), "Colony", "Procedure")
    assert set(rows) == set(counts)
    for key, c in counts.items():
        row = rows[key]
        assert (row["Scheduled"], row["Done"], row["Missed"], row["Not performed"], row["Overdue"]) == (
            c["scheduled"], c["done"], c["missed"], c["not_performed"], c["overdue"]), key
        expected = sum(v for s, v in c.items() if s not in ("cancelled", "overdue"))
        assert row["Completeness"] == (round(c["done"] / expected, 3) if expected else None)
    start, end = report.params["start"], report.params["end"]
    weekly = defaultdict(int)
    for e in Experiment.objects.filter(centre=centre, voided_at__isnull=True):
        if start <= e.date_of_experiment <= end:
            weekly[(e.date_of_experiment - dt.timedelta(days=e.date_of_experiment.weekday()), e.procedure.key)] += 1
    assert {(r[0], r[1]): r[2] for r in report.table("throughput").rows} == dict(weekly)
    return report


def check_dcc(user, centre):
    report = dcc.build(user)
    delivered = Submission.objects.filter(centre=centre, status="delivered").order_by("-started_at").first()
    in_ledger = {r.object_id for r in SubmissionRecord.objects.filter(kind="experiment")
                 if r.submission.status == "delivered"}
    per = defaultdict(lambda: [0, 0, 0])
    for e in Experiment.objects.filter(centre=centre):
        if e.voided_at or e.mouse.voided_at or e.status != "submitted" or e.procedure.level != "mouse":
            continue
        done = e.pk in in_ledger and not e.needs_resubmission
        per[e.procedure.key][0] += 1
        per[e.procedure.key][1 if done else 2] += 1
    got = {row[0].rsplit("(", 1)[1].rstrip(")"): row[1:] for row in report.table("procedures").rows}
    assert got == {k: v for k, v in per.items()}
    reasons = defaultdict(int)
    for s in Submission.objects.filter(centre=centre, status="failed"):
        reasons[s.errors[0] if s.errors else "(no reason recorded)"] += 1
    assert {r[0]: r[1] for r in report.table("failures").rows} == dict(reasons)
    if delivered:
        row = report.table("deliveries").rows[0]
        assert row[0] == centre.code and row[1] == Submission.objects.filter(centre=centre, status="delivered").count()
    return report


def check_qc(user, centre, colony_name, key):
    report = qc.build(user, {"colony": colony_name, "parameter": key})
    values = [pv for pv in ParameterValue.objects.filter(parameter__key=key, experiment__centre=centre,
                                                         experiment__voided_at__isnull=True)
              if pv.experiment.mouse.voided_at is None and _number(pv.value) is not None]
    mutants = [pv for pv in values if pv.experiment.mouse.colony and pv.experiment.mouse.colony.name == colony_name
               and not pv.experiment.mouse.is_baseline]
    if not mutants:
        assert report.summary["mutants"] == 0
        return report
    first = min(pv.experiment.date_of_experiment for pv in mutants)
    last = max(pv.experiment.date_of_experiment for pv in mutants)
    sexes = {pv.experiment.mouse.sex for pv in mutants}
    controls = [pv for pv in values if pv.experiment.mouse.is_baseline and pv.experiment.mouse.sex in sexes
                and first <= pv.experiment.date_of_experiment <= last]
    assert (report.summary["mutants"], report.summary["controls"]) == (len(mutants), len(controls))
    by_sex = defaultdict(list)
    for pv in controls:
        by_sex[pv.experiment.mouse.sex].append(float(pv.value))
    parameter = mutants[0].parameter
    flagged = 0
    rows = rows_by(report.table("values"), "Specimen", "Group")
    for pv in controls + mutants:
        group = "mutant" if pv in mutants else "control"
        base = by_sex[pv.experiment.mouse.sex]
        z = None
        if group == "mutant" and len(base) >= 2 and statistics.stdev(base):
            z = round((float(pv.value) - statistics.mean(base)) / statistics.stdev(base), 2)
        is_flagged = pv.out_of_range or parameter.is_out_of_range(pv.value) or (z is not None and abs(z) > 3)
        flagged += is_flagged
        row = rows[(pv.experiment.mouse.specimen_id, group)]
        assert row["z"] == z and row["Value"] == float(pv.value) and (row["Flagged"] == "yes") == is_flagged
    assert report.summary["flagged"] == flagged
    for sex, base in list(by_sex.items()):
        if not base:  # a sex with no baseline control: no statistics to compare
            continue
        row = rows_by(report.table("baseline"), "Sex")[(sex,)]
        assert row["n"] == len(base) and row["Mean"] == round(statistics.mean(base), 3)
        if len(base) >= 2:
            assert row["SD"] == round(statistics.stdev(base), 3)
    return report


def _number(value):
    try:
        return float(value)
    except ValueError:
        return None


def _assert_no_other_centre(report, other):
    text = repr(report.as_json())
    assert f"{other.code}-" not in text and other.name not in text and f"'{other.code}'" not in text


def test_production_figures(generated, manager, other_centre):
    report = check_production(manager, manager.centre)
    status = rows_by(report.table("status"), "Consortium", "Centre")
    # Spelled out once, so the independent count cannot share a mistake with the report unnoticed.
    assert status[("BaSH", "Harwell")]["Plans"] == 5  # Alpha (two plans), Beta, Gamma, Eps (its plan stands), Zeta
    assert status[("BaSH", "Harwell")]["Genotype confirmed"] == 1  # Alpha's two attempts count once
    assert status[("BaSH", "Harwell")]["Cre excision complete"] == 1
    assert status[("DTCC", "Harwell")]["Micro-injection in progress"] == 1
    assert {r[0]: r[2:] for r in report.table("languishing").rows} == {"BaSH": [1, 0, 0, 1], "DTCC": [0, 0, 1, 0]}
    _assert_no_other_centre(report, other_centre)


def test_breeding_figures(generated, manager, other_centre):
    report = check_breeding(manager, manager.centre)
    row = rows_by(report.table("matings"), "Colony")[(generated.colony.name,)]
    assert (row["Active matings"], row["Litters due"], row["Weanings due"], row["Litters born"],
            row["Pups weaned"]) == (2, 1, 1, 2, 6)
    _assert_no_other_centre(report, other_centre)


def test_phenotyping_figures(generated, manager, other_centre):
    report = check_phenotyping(manager, manager.centre)
    row = rows_by(report.table("tests"), "Colony", "Procedure")[(generated.colony.name, "Body Weight (IMPC_BWT_001)")]
    assert (row["Done"], row["Overdue"], row["Completeness"]) == (1, 2, 0.25)
    assert row["Cohort"] == "H-PHEN-A"
    _assert_no_other_centre(report, other_centre)


def test_dcc_figures(generated, manager, other_centre):
    report = check_dcc(manager, manager.centre)
    assert report.summary["pending"] == 2  # the experiment recorded today and the one changed after delivery
    assert {r[0]: r[1] for r in report.table("failures").rows}["XSD: element invalid"] == 2
    _assert_no_other_centre(report, other_centre)


def test_qc_figures(generated, manager, other_centre):
    report = check_qc(manager, manager.centre, generated.colony.name, "IMPC_BWT_001_001")
    flagged = {(r[1], r[3]) for r in report.table("values").rows if r[-1] == "yes"}
    specimens = [m.specimen_id for m in generated.mutants]
    assert flagged == {(specimens[1], "mutant"), (specimens[2], "mutant")}  # |z| > 3, and above the maximum
    assert report.summary["controls"] == 3  # the female controls measured within the mutants' dates
    _assert_no_other_centre(report, other_centre)


def test_qc_defaults_to_the_pair_with_most_values(generated, manager):
    report = qc.build(manager, {})
    assert (report.params["colony"], report.params["parameter"]) == (generated.colony.name, "IMPC_BWT_001_001")


@pytest.mark.parametrize("name", ["production", "breeding", "phenotyping", "dcc", "qc"])
def test_outsider_sees_only_their_centre(generated, outsider, centre, name):
    from lims.reports.registry import REPORTS

    report = REPORTS[name][0](outsider, {})
    _assert_no_other_centre(report, centre)
