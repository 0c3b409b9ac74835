"""Browser journeys of issue 14 point 5: a genotyping plate entered as a grid of wells and saved once (refused as a
whole while one well is wrong), and a data wrangler QC-locking ticked experiments of the list with one reason.

Set LIMS_E2E_SCREENSHOTS to a directory to keep screenshots (ui-plate-*.png, ui-qc-ticked.png).
"""
import datetime as dt

import pytest

from colonies.models import GenotypeResult, Mouse
from procedures import services
from procedures.models import Experiment
from procedures.services import EnteredValue
from tests.e2e.bench import login
from tests.e2e.conftest import screenshot
from tests.factories import (
    BODY_WEIGHT_VALUES,
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    GenotypingAssayFactory,
    MouseFactory,
    ZygosityRuleFactory,
    body_weight_procedure,
)


@pytest.fixture
def plate(transactional_db, centre):
    """GIVEN a cage of three mice and an assay whose 'no band' call has no zygosity rule yet."""
    assay = GenotypingAssayFactory(centre=centre, name="Pax6-PCR", calls=["WT band only", "both bands", "no band"])
    ZygosityRuleFactory(centre=centre, assay=assay, call="WT band only", zygosity=Mouse.Zygosity.WILD_TYPE)
    ZygosityRuleFactory(centre=centre, assay=assay, call="both bands", zygosity=Mouse.Zygosity.HETEROZYGOUS)
    colony = ColonyFactory(centre=centre)
    cage = CageFactory(centre=centre, cage_id="GT-CAGE")
    born = dt.date.today() - dt.timedelta(days=30)
    for n in range(3):
        mouse = MouseFactory(centre=centre, colony=colony, specimen_id=f"GT-{n}", date_of_birth=born, zygosity="")
        CagePlacementFactory(mouse=mouse, cage=cage, started_on=born)
    return assay, cage


def test_a_plate_is_entered_as_wells_and_saved_once(live_server, browser_page, plate, manager):
    from playwright.sync_api import expect

    page, (assay, cage) = browser_page, plate
    login(page, live_server.url, manager)
    page.goto(f"{live_server.url}/colony/genotyping/plate/?assay={assay.pk}&cage={cage.pk}")
    expect(page.get_by_role("heading", name="Genotyping plate")).to_be_visible()
    expect(page.get_by_label("A1 mouse")).to_have_value(str(Mouse.objects.get(specimen_id="GT-0").pk))
    page.get_by_label("Plate name").fill("GT-E2E")
    for well, call in (("A1", "WT band only"), ("B1", "both bands"), ("C1", "no band")):
        page.get_by_label(f"{well} call").select_option(call)
    page.get_by_role("button", name="Save the plate").click()
    expect(page.get_by_text("Nothing was saved: 1 well to correct")).to_be_visible()
    expect(page.locator('[data-well="C1"] .field__error')).to_contain_text("No zygosity rule for call 'no band'")
    screenshot(page, "plate-refused")
    assert not GenotypeResult.objects.exists()

    page.get_by_label("C1 call").select_option("WT band only")
    page.get_by_role("button", name="Save the plate").click()
    expect(page.get_by_text("Plate GT-E2E saved: 3 results.")).to_be_visible()
    screenshot(page, "plate-saved")
    assert sorted(GenotypeResult.objects.filter(batch="GT-E2E").values_list("mouse__specimen_id", "zygosity")) == [
        ("GT-0", "wild type"), ("GT-1", "heterozygous"), ("GT-2", "wild type")]


@pytest.fixture
def experiments(transactional_db, centre, tech):
    """GIVEN three submitted body weights, the last one already QC-locked."""
    procedure = body_weight_procedure()
    recorded = []
    for n in range(3):
        mouse = MouseFactory(centre=centre, specimen_id=f"QC-{n}")
        recorded.append(services.experiment_record(
            mouse=mouse, procedure=procedure, actor=tech, date_of_experiment=dt.date(2026, 2, 2),
            values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()}))
    return recorded


def test_a_wrangler_qc_locks_ticked_experiments_with_one_reason(live_server, browser_page, experiments, wrangler):
    from playwright.sync_api import expect

    page = browser_page
    services.experiment_qc_lock(experiment=experiments[2], actor=wrangler)
    login(page, live_server.url, wrangler)
    page.goto(f"{live_server.url}/phenotyping/experiments/")
    for experiment in experiments[1:]:
        page.get_by_label(f"Select {experiment}").check()
    page.get_by_label("Reason").fill("Checked against the balance print-outs.")
    page.get_by_role("button", name="QC lock ticked").click()
    expect(page.get_by_text(f"{experiments[1]} is QC-locked.")).to_be_visible()
    expect(page.get_by_text(f"{experiments[2]}: This experiment is already QC-locked.")).to_be_visible()
    screenshot(page, "qc-ticked")
    locked = {e.pk: e.is_qc_locked for e in Experiment.objects.all()}
    assert locked == {experiments[0].pk: False, experiments[1].pk: True, experiments[2].pk: True}
