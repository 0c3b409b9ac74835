"""Genotyping services: every rule with its message, zygosity driven by the centre's rule table (never by code),
the mouse's genotype following the latest result, voiding falling back, and the "to be genotyped" list."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from pghistory.models import Events

from colonies import services
from colonies.genotyping.selectors import to_be_genotyped
from colonies.models import ColonySettings, GenotypeResult, GenotypingSample, Mouse, MouseAllele, ZygosityRule
from lims.exceptions import Conflict
from tests.factories import (
    CentreFactory,
    ColonyFactory,
    GenotypingAssayFactory,
    GenotypingSampleFactory,
    MouseFactory,
    ZygosityRuleFactory,
)

pytestmark = pytest.mark.django_db

BORN = dt.date(2026, 1, 5)
COLLECTED = dt.date(2026, 1, 20)
TESTED = dt.date(2026, 1, 25)


def messages(exc_info, field):
    return exc_info.value.message_dict[field]


@pytest.fixture
def mouse(centre):
    return MouseFactory(centre=centre, specimen_id="H-0001", date_of_birth=BORN)


def record(tech, mouse, assay, call, *, tested_on=TESTED, **kwargs):
    kwargs.setdefault("collected_on", COLLECTED)
    return services.result_record(actor=tech, mouse=mouse, assay=assay, call=call, tested_on=tested_on, **kwargs)


# --- Assays and rules --------------------------------------------------------------------------------------------


def test_assay_calls_are_trimmed_and_must_be_unique_and_non_empty(tech):
    assay = services.assay_create(actor=tech, name="  Sox2  PCR ", allele="Sox2<em1>",
                                  calls=[" WT ", "het", "", "hom"])
    assert assay.name == "Sox2 PCR" and assay.calls == ["WT", "het", "hom"]
    with pytest.raises(ValidationError) as exc:
        services.assay_create(actor=tech, name="Empty", allele="X", calls=["  ", ""])
    assert messages(exc, "calls") == ["An assay needs at least one call (e.g. 'WT band only')."]
    with pytest.raises(ValidationError) as exc:
        services.assay_create(actor=tech, name="Twice", allele="X", calls=["WT", " WT"])
    assert messages(exc, "calls") == ["The call 'WT' is listed twice; each call appears once."]
    with pytest.raises(ValidationError) as exc:
        services.assay_create(actor=tech, name="No allele", allele=" ", calls=["WT"])
    assert "allele" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.assay_create(actor=tech, name="sox2 pcr", allele="X", calls=["WT"])
    assert messages(exc, "name") == ["Your centre already has an assay named 'sox2 pcr'."]


def test_assay_update_refuses_to_drop_a_call_that_has_a_rule(tech, assay):
    with pytest.raises(ValidationError) as exc:
        services.assay_update(instance=assay, actor=tech, calls=["WT band only", "both bands"])
    assert messages(exc, "calls") == ["The call 'mutant band only' has a zygosity rule; remove the rule first."]
    assay.refresh_from_db()
    updated = services.assay_update(instance=assay, actor=tech, calls=[*assay.calls, "no band"])
    assert updated.calls[-1] == "no band"


def test_rule_call_must_be_the_assays_and_one_rule_per_call(tech, assay):
    with pytest.raises(ValidationError) as exc:
        services.zygosity_rule_create(actor=tech, assay=assay, call="three bands", zygosity="heterozygous")
    assert messages(exc, "call") == [
        "'three bands' is not a call of assay 'Pax6 PCR'; allowed: WT band only, both bands, mutant band only."]
    with pytest.raises(ValidationError) as exc:
        services.zygosity_rule_create(actor=tech, assay=assay, call="both bands", zygosity="homozygous")
    assert messages(exc, "call") == ["Assay 'Pax6 PCR' already has a rule for call 'both bands'; change that one."]


def test_rule_of_another_centres_assay_is_refused(outsider, assay):
    with pytest.raises(ValidationError) as exc:
        services.zygosity_rule_create(actor=outsider, assay=assay, call="both bands", zygosity="homozygous")
    assert messages(exc, "assay") == ["That assay does not belong to your centre."]


def test_rule_deletion_is_allowed_and_audited(tech, assay):
    rule = assay.rules.get(call="mutant band only")
    services.zygosity_rule_delete(instance=rule, actor=tech, reason="assay retired for this call")
    assert not ZygosityRule.objects.filter(pk=rule.pk).exists()
    event = Events.objects.filter(pgh_obj_model="colonies.ZygosityRule", pgh_label="delete").get()
    assert event.pgh_context["action"] == "colonies.zygosityrule.deleted"
    assert event.pgh_context["reason"] == "assay retired for this call"
    assert event.pgh_context["user"] == tech.pk


# --- Recording results -------------------------------------------------------------------------------------------


def test_result_derives_zygosity_and_sets_allele_and_mouse(tech, mouse, assay):
    result = record(tech, mouse, assay, "mutant band only", batch=" plate 7 ")
    assert result.zygosity == "homozygous" and result.batch == "plate 7"
    allele = MouseAllele.objects.get(mouse=mouse, allele="Pax6<tm1b>")
    assert allele.zygosity == "homozygous" and allele.source == result
    mouse.refresh_from_db()
    assert mouse.zygosity == "homozygous"
    assert result.sample.sample_id == "H-0001-S1" and result.sample.collected_on == COLLECTED
    event = Events.objects.filter(pgh_obj_model="colonies.GenotypeResult").get()
    assert event.pgh_context["action"] == "colonies.genotyperesult.recorded"


def test_the_rule_table_drives_zygosity_not_code(tech, mouse, assay):
    """Change the row and the next result derives differently; a call with no row is refused."""
    assert record(tech, mouse, assay, "both bands").zygosity == "heterozygous"
    rule = assay.rules.get(call="both bands")
    services.zygosity_rule_update(instance=rule, actor=tech, zygosity="hemizygous")
    second = record(tech, mouse, assay, "both bands", tested_on=TESTED + dt.timedelta(days=1))
    assert second.zygosity == "hemizygous"
    assert GenotypeResult.objects.filter(zygosity="heterozygous").count() == 1  # the first keeps its zygosity
    mouse.refresh_from_db()
    assert mouse.zygosity == "hemizygous"
    # Calls the code might "know" mean nothing without a row
    services.zygosity_rule_delete(instance=assay.rules.get(call="WT band only"), actor=tech)
    with pytest.raises(ValidationError) as exc:
        record(tech, mouse, assay, "WT band only")
    assert messages(exc, "call") == [
        "No zygosity rule for call 'WT band only' of assay 'Pax6 PCR'; add one to the assay's rule table."]


def test_call_must_be_one_of_the_assays_calls(tech, mouse, assay):
    with pytest.raises(ValidationError) as exc:
        record(tech, mouse, assay, "faint band")
    assert messages(exc, "call") == [
        "'faint band' is not a call of assay 'Pax6 PCR'; allowed calls: WT band only, both bands, mutant band only."]
    assert not GenotypeResult.objects.exists() and not GenotypingSample.objects.exists()


def test_baseline_mouse_derived_as_mutant_is_refused_naming_the_mouse(tech, centre, assay):
    control = MouseFactory(centre=centre, specimen_id="H-BL-9", colony=None, is_baseline=True, zygosity="wild type",
                           date_of_birth=BORN)
    with pytest.raises(ValidationError) as exc:
        record(tech, control, assay, "both bands")
    assert messages(exc, "mouse") == [
        "Mouse H-BL-9 is a baseline (wild-type) control, but call 'both bands' of assay 'Pax6 PCR' means "
        "heterozygous; check the sample and the mouse."]
    assert not GenotypeResult.objects.exists()
    assert record(tech, control, assay, "WT band only").zygosity == "wild type"


def test_assay_that_does_not_set_mouse_zygosity_leaves_it(tech, mouse, centre):
    cre = GenotypingAssayFactory(centre=centre, name="Cre PCR", allele="Cre", calls=["present", "absent"],
                                 sets_mouse_zygosity=False)
    ZygosityRuleFactory(assay=cre, call="present", zygosity="hemizygous")
    record(tech, mouse, cre, "present")
    mouse.refresh_from_db()
    assert mouse.zygosity == "heterozygous"  # unchanged
    assert MouseAllele.objects.get(mouse=mouse, allele="Cre").zygosity == "hemizygous"


@pytest.mark.parametrize(("tested_on", "collected_on", "field", "message"), [
    (dt.date(2026, 1, 19), COLLECTED, "tested_on",
     "The test date (2026-01-19) cannot be before sample H-0001-S1 was collected (2026-01-20)."),
    (dt.date(2099, 1, 1), COLLECTED, "tested_on", "The test date (2099-01-01) cannot be in the future."),
    (dt.date(2026, 1, 1), dt.date(2026, 1, 1), "tested_on",
     "The test date (2026-01-01) cannot be before mouse H-0001 was born (2026-01-05)."),
    (TESTED, dt.date(2026, 1, 2), "collected_on",
     "The collection date (2026-01-02) cannot be before mouse H-0001 was born (2026-01-05)."),
])
def test_dates(tech, mouse, assay, tested_on, collected_on, field, message):
    with pytest.raises(ValidationError) as exc:
        record(tech, mouse, assay, "both bands", tested_on=tested_on, collected_on=collected_on)
    assert message in messages(exc, field)
    assert not GenotypeResult.objects.exists()


def test_test_date_not_before_an_existing_samples_collection(tech, mouse, assay):
    sample = GenotypingSampleFactory(mouse=mouse, sample_id="TUBE-1", collected_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        services.result_record(actor=tech, mouse=mouse, assay=assay, call="both bands", tested_on=TESTED,
                               sample=sample)
    assert messages(exc, "tested_on") == [
        "The test date (2026-01-25) cannot be before sample TUBE-1 was collected (2026-02-01)."]


def test_sample_of_another_mouse_and_other_centre_records_are_refused(tech, mouse, assay, centre, other_centre):
    other_mouse = MouseFactory(centre=centre, date_of_birth=BORN)
    sample = GenotypingSampleFactory(mouse=other_mouse, sample_id="TUBE-2")
    with pytest.raises(ValidationError) as exc:
        services.result_record(actor=tech, mouse=mouse, assay=assay, call="both bands", tested_on=TESTED,
                               sample=sample)
    assert messages(exc, "sample") == [f"Sample TUBE-2 was taken from mouse {other_mouse}, not H-0001."]
    with pytest.raises(ValidationError) as exc:
        record(tech, mouse, assay, "both bands", sample_id="TUBE-2")
    assert messages(exc, "sample_id") == [f"Sample ID 'TUBE-2' belongs to mouse {other_mouse}, not H-0001."]
    foreign_mouse = MouseFactory(centre=other_centre)
    with pytest.raises(ValidationError) as exc:
        record(tech, foreign_mouse, assay, "both bands")
    assert messages(exc, "mouse") == ["That mouse does not belong to your centre."]
    foreign_assay = GenotypingAssayFactory(centre=other_centre)
    with pytest.raises(ValidationError) as exc:
        record(tech, mouse, foreign_assay, "both bands")
    assert messages(exc, "assay") == ["That assay does not belong to your centre."]


def test_sample_ids_are_generated_unique_and_reused_for_a_second_assay(tech, mouse, assay, centre):
    first = services.sample_create(actor=tech, mouse=mouse, collected_on=COLLECTED)
    second = services.sample_create(actor=tech, mouse=mouse, collected_on=COLLECTED, sample_type="tail")
    assert (first.sample_id, second.sample_id) == ("H-0001-S1", "H-0001-S2")
    with pytest.raises(ValidationError) as exc:
        services.sample_create(actor=tech, mouse=mouse, collected_on=COLLECTED, sample_id="H-0001-S1")
    assert messages(exc, "sample_id") == ["Sample ID 'H-0001-S1' is already used in your centre."]
    cre = GenotypingAssayFactory(centre=centre, name="Cre PCR", allele="Cre", calls=["present"])
    ZygosityRuleFactory(assay=cre, call="present", zygosity="hemizygous")
    a = record(tech, mouse, assay, "both bands", sample_id="PLATE-A1")
    b = record(tech, mouse, cre, "present", sample_id="PLATE-A1", collected_on=None)
    assert a.sample_id == b.sample_id


# --- The latest result decides; voiding falls back ---------------------------------------------------------------


def test_back_dated_result_does_not_override_a_newer_one(tech, mouse, assay):
    newer = record(tech, mouse, assay, "mutant band only", tested_on=dt.date(2026, 2, 10))
    record(tech, mouse, assay, "both bands", tested_on=dt.date(2026, 2, 1))
    allele = MouseAllele.objects.get(mouse=mouse)
    mouse.refresh_from_db()
    assert (allele.source_id, allele.zygosity, mouse.zygosity) == (newer.pk, "homozygous", "homozygous")


def test_void_needs_a_reason_and_recomputes_from_the_latest_remaining_result(tech, mouse, assay):
    first = record(tech, mouse, assay, "both bands", tested_on=dt.date(2026, 2, 1))
    wrong = record(tech, mouse, assay, "mutant band only", tested_on=dt.date(2026, 2, 10))
    for short in ("  ", "x", "typo"):  # as long a reason as every void asks (lims.services.MIN_REASON_LENGTH)
        with pytest.raises(ValidationError) as exc:
            services.result_void(instance=wrong, actor=tech, reason=short)
        assert messages(exc, "reason") == ["Say why the result is voided (at least 10 characters)."]
    services.result_void(instance=wrong, actor=tech, reason="sample swapped on the plate")
    wrong.refresh_from_db()
    assert wrong.is_voided and wrong.void_reason == "sample swapped on the plate"
    allele = MouseAllele.objects.get(mouse=mouse)
    mouse.refresh_from_db()
    assert (allele.source_id, allele.zygosity, mouse.zygosity) == (first.pk, "heterozygous", "heterozygous")
    with pytest.raises(Conflict):
        services.result_void(instance=wrong, actor=tech, reason="again")


def test_voiding_the_only_result_makes_the_genotype_unknown_again(tech, mouse, assay):
    only = record(tech, mouse, assay, "both bands", tested_on=dt.date(2026, 2, 1))
    services.result_void(instance=only, actor=tech, reason="plate failed, redo")
    allele = MouseAllele.objects.get(mouse=mouse)
    mouse.refresh_from_db()
    assert (allele.zygosity, allele.source_id, mouse.zygosity) == ("", None, "")


# --- To be genotyped ---------------------------------------------------------------------------------------------


def test_to_be_genotyped_lists_ungenotyped_alive_colony_mice_oldest_first(tech, centre, assay):
    today = dt.date(2026, 3, 1)
    colony = ColonyFactory(centre=centre)
    old = MouseFactory(centre=centre, colony=colony, date_of_birth=dt.date(2026, 2, 1))   # 28 days
    young = MouseFactory(centre=centre, colony=colony, date_of_birth=dt.date(2026, 2, 20))  # 9 days
    edge = MouseFactory(centre=centre, colony=colony, date_of_birth=dt.date(2026, 2, 15))  # 14 days exactly
    done = MouseFactory(centre=centre, colony=colony, date_of_birth=dt.date(2026, 1, 10))
    record(tech, done, assay, "both bands", tested_on=dt.date(2026, 2, 1))
    voided_only = MouseFactory(centre=centre, colony=colony, date_of_birth=dt.date(2026, 1, 11))
    services.result_void(instance=record(tech, voided_only, assay, "both bands", tested_on=dt.date(2026, 2, 1)),
                         actor=tech, reason="plate failed")
    MouseFactory(centre=centre, colony=colony, status=Mouse.Status.DEAD, date_of_birth=dt.date(2026, 2, 1))
    MouseFactory(centre=centre, colony=None, is_baseline=True, zygosity="wild type", date_of_birth=dt.date(2026, 2, 1))
    MouseFactory(centre=CentreFactory(code="Tcp"), date_of_birth=dt.date(2026, 2, 1))

    mice = list(to_be_genotyped(centre, today))
    assert mice == [voided_only, old, edge, young]
    assert [(m.age_days, m.due) for m in mice] == [(49, True), (28, True), (14, True), (9, False)]


def test_to_be_genotyped_uses_the_centres_settings(centre):
    ColonySettings.objects.create(centre=centre, genotype_age_days=21)
    MouseFactory(centre=centre, date_of_birth=dt.date(2026, 2, 15))
    [mouse] = to_be_genotyped(centre, dt.date(2026, 3, 1))
    assert (mouse.age_days, mouse.due) == (14, False)
