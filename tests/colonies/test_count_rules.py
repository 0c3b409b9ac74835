"""The micro-injection count hierarchy (issue 13 point 5, domain-production.md §3).

The property test needs no database (the rules read attributes) and checks the service against an oracle written
here from the issue's own words: the transitive closure of "left >= right" pairs. The database tests walk the same
rules through the API (400, field-level), the form and the Excel import, each message naming the counts in words.
"""
import datetime as dt
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from colonies.models import MicroInjection
from colonies.production.imports import MICROINJECTION_COLUMNS, microinjections_import
from colonies.services import COUNT_LABELS, microinjection_count_errors
from tests.factories import EsCellFactory, PlanFactory

CHIMERAS = "chimeras"  # male + female, in the oracle
# The hierarchy, pair by pair (left >= right), plus the links kept from before (male chimeras are the ones
# mated; a GLT chimera's mating succeeded; het offspring are live GLT offspring).
ABOVE = [
    ("total_blasts_injected", "total_transferred"), ("total_transferred", "total_pups_born"),
    ("total_pups_born", CHIMERAS), (CHIMERAS, "number_of_chimera_matings_attempted"),
    ("number_of_chimera_matings_attempted", "number_of_chimeras_with_glt_from_genotyping"),
    ("total_f1_mice_from_matings", "number_of_het_offspring"), ("total_transferred", "number_surrogates_receiving"),
    ("crsp_total_embryos_injected", "crsp_total_embryos_survived"),
    ("crsp_total_embryos_survived", "crsp_total_transfered"), ("total_pups_born", "crsp_no_founder_pups"),
    ("crsp_no_founder_pups", "no_nhej_g0_mutants"), ("crsp_no_founder_pups", "no_deletion_g0_mutants"),
    ("crsp_no_founder_pups", "no_hr_g0_mutants"), ("crsp_no_founder_pups", "no_hdr_g0_mutants"),
    # Embryos transferred (CRISPR) bound the pups and the surrogates as blastocysts transferred do.
    ("crsp_total_transfered", "total_pups_born"), ("crsp_total_transfered", "number_surrogates_receiving"),
    # Kept from before.
    ("total_male_chimeras", "number_of_chimera_matings_attempted"),
    ("number_of_chimera_matings_attempted", "number_of_chimera_matings_successful"),
    ("number_of_chimera_matings_successful", "number_of_chimeras_with_glt_from_genotyping"),
    ("total_f1_mice_from_matings", "number_of_live_glt_offspring"),
    ("number_of_live_glt_offspring", "number_of_het_offspring"),
]
FIELDS = sorted({name for pair in ABOVE for name in pair} - {CHIMERAS} | {"total_female_chimeras"})


def _closure(pairs):
    closed = set(pairs)
    while True:
        more = {(a, d) for a, b in closed for c, d in closed if b == c} - closed
        if not more:
            return closed
        closed |= more


CLOSURE = _closure(ABOVE)


def consistent(counts: dict) -> bool:
    values = dict(counts)
    if counts["total_male_chimeras"] is not None or counts["total_female_chimeras"] is not None:
        values[CHIMERAS] = (counts["total_male_chimeras"] or 0) + (counts["total_female_chimeras"] or 0)
    else:
        values[CHIMERAS] = None
    return all(values[a] is None or values[b] is None or values[a] >= values[b] for a, b in CLOSURE)


MESSAGE = re.compile(r"^(?P<count>[A-Z0-9][^_]*) \((?P<value>\d+)\) cannot be more than "
                     r"(?P<limit_name>[^_]+) \((?P<limit>\d+)\)\.$")
# Mostly unrecorded counts, so that both consistent and inconsistent attempts come up often.
count = st.one_of(st.none(), st.none(), st.none(), st.integers(min_value=0, max_value=12))


@settings(max_examples=1500, deadline=None)
@given(st.fixed_dictionaries({name: count for name in FIELDS}))
def test_errors_exactly_when_a_count_exceeds_one_it_comes_from(counts):
    errors = microinjection_count_errors(MicroInjection(**counts))
    assert (not errors) == consistent(counts), (counts, errors)
    for field_name, messages in errors.items():
        assert field_name in FIELDS
        for message in messages:
            match = MESSAGE.match(message)
            assert match, message  # in words: no field name with underscores
            assert int(match["value"]) > int(match["limit"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=len(FIELDS), max_size=len(FIELDS)))
def test_a_consistent_funnel_has_no_error(numbers):
    """Counts that shrink down every path (each child takes at most its smallest parent) are always accepted."""
    values: dict[str, int] = {}
    parents = {child: [a for a, b in ABOVE if b == child] for _, child in ABOVE}
    order = ["total_blasts_injected", "crsp_total_embryos_injected", "crsp_total_embryos_survived",
             "crsp_total_transfered", "total_transferred", "number_surrogates_receiving", "total_pups_born",
             "total_male_chimeras", "total_female_chimeras", "number_of_chimera_matings_attempted",
             "number_of_chimera_matings_successful", "number_of_chimeras_with_glt_from_genotyping",
             "total_f1_mice_from_matings", "number_of_live_glt_offspring", "number_of_het_offspring",
             "crsp_no_founder_pups", "no_nhej_g0_mutants", "no_deletion_g0_mutants", "no_hr_g0_mutants",
             "no_hdr_g0_mutants"]
    assert sorted(order) == FIELDS
    for name, number in zip(order, numbers, strict=True):
        limits = [values[p] for p in parents.get(name, []) if p in values]
        if name == "total_female_chimeras":
            limits = [values["total_pups_born"] - values["total_male_chimeras"]]
        if name == "total_male_chimeras":
            limits = [values["total_pups_born"]]
        values[name] = min([number, *limits])
    assert microinjection_count_errors(MicroInjection(**values)) == {}


@pytest.mark.parametrize(("counts", "field_name", "message"), [
    ({"total_pups_born": 4, "total_male_chimeras": 5, "total_female_chimeras": 4}, "total_male_chimeras",
     "Male + female chimeras (9) cannot be more than pups born (4)."),
    ({"total_male_chimeras": 4, "number_of_chimeras_with_glt_from_genotyping": 7},
     "number_of_chimeras_with_glt_from_genotyping", "GLT chimeras (7) cannot be more than male chimeras (4)."),
    ({"total_pups_born": 10, "total_male_chimeras": 4, "total_female_chimeras": 4,
      "number_of_chimera_matings_attempted": 3, "number_of_chimeras_with_glt_from_genotyping": 4},
     "number_of_chimeras_with_glt_from_genotyping", "GLT chimeras (4) cannot be more than chimeras mated (3)."),
    ({"crsp_no_founder_pups": 10, "no_nhej_g0_mutants": 15}, "no_nhej_g0_mutants",
     "NHEJ G0 mutants (15) cannot be more than founder pups (10)."),
    ({"total_pups_born": 6, "crsp_no_founder_pups": 8}, "crsp_no_founder_pups",
     "Founder pups (8) cannot be more than pups born (6)."),
    ({"crsp_total_embryos_injected": 80, "crsp_total_embryos_survived": 90}, "crsp_total_embryos_survived",
     "Embryos survived (90) cannot be more than embryos injected (80)."),
    ({"crsp_total_embryos_injected": 80, "crsp_total_transfered": 81}, "crsp_total_transfered",
     "Embryos transferred (81) cannot be more than embryos injected (80)."),
    ({"total_f1_mice_from_matings": 5, "number_of_het_offspring": 6}, "number_of_het_offspring",
     "Het offspring (6) cannot be more than F1 mice from chimera matings (5)."),
    ({"total_transferred": 40, "number_surrogates_receiving": 41}, "number_surrogates_receiving",
     "Surrogates receiving (41) cannot be more than blastocysts transferred (40)."),
    ({"total_blasts_injected": 40, "total_pups_born": 41}, "total_pups_born",
     "Pups born (41) cannot be more than blastocysts injected (40)."),
    ({"total_blasts_injected": 40, "total_transferred": 41}, "total_transferred",
     "Blastocysts transferred (41) cannot be more than blastocysts injected (40)."),
    ({"total_transferred": 30, "total_pups_born": 31}, "total_pups_born",
     "Pups born (31) cannot be more than blastocysts transferred (30)."),
    ({"total_transferred": 5, "total_female_chimeras": 6}, "total_female_chimeras",
     "Male + female chimeras (6) cannot be more than blastocysts transferred (5)."),
    ({"total_female_chimeras": 2, "number_of_chimera_matings_attempted": 3}, "number_of_chimera_matings_attempted",
     "Chimeras mated (3) cannot be more than male + female chimeras (2)."),
    ({"total_male_chimeras": 2, "total_female_chimeras": 5, "number_of_chimera_matings_attempted": 3},
     "number_of_chimera_matings_attempted", "Chimeras mated (3) cannot be more than male chimeras (2)."),
    ({"number_of_chimera_matings_attempted": 2, "number_of_chimera_matings_successful": 3},
     "number_of_chimera_matings_successful", "Successful chimera matings (3) cannot be more than chimeras mated (2)."),
    ({"number_of_chimera_matings_successful": 1, "number_of_chimeras_with_glt_from_genotyping": 2},
     "number_of_chimeras_with_glt_from_genotyping",
     "GLT chimeras (2) cannot be more than successful chimera matings (1)."),
    ({"total_f1_mice_from_matings": 5, "number_of_live_glt_offspring": 6}, "number_of_live_glt_offspring",
     "Live GLT offspring (6) cannot be more than F1 mice from chimera matings (5)."),
    ({"number_of_live_glt_offspring": 3, "number_of_het_offspring": 4}, "number_of_het_offspring",
     "Het offspring (4) cannot be more than live GLT offspring (3)."),
    ({"crsp_total_transfered": 20, "number_surrogates_receiving": 21}, "number_surrogates_receiving",
     "Surrogates receiving (21) cannot be more than embryos transferred (20)."),
    ({"crsp_total_embryos_survived": 50, "crsp_total_transfered": 51}, "crsp_total_transfered",
     "Embryos transferred (51) cannot be more than embryos survived (50)."),
    ({"crsp_total_transfered": 50, "total_pups_born": 51}, "total_pups_born",
     "Pups born (51) cannot be more than embryos transferred (50)."),
    ({"crsp_total_transfered": 12, "crsp_no_founder_pups": 13}, "crsp_no_founder_pups",
     "Founder pups (13) cannot be more than embryos transferred (12)."),
    ({"crsp_no_founder_pups": 4, "no_deletion_g0_mutants": 5}, "no_deletion_g0_mutants",
     "Deletion G0 mutants (5) cannot be more than founder pups (4)."),
    ({"crsp_no_founder_pups": 4, "no_hr_g0_mutants": 5}, "no_hr_g0_mutants",
     "HR G0 mutants (5) cannot be more than founder pups (4)."),
    ({"crsp_no_founder_pups": 4, "no_hdr_g0_mutants": 5}, "no_hdr_g0_mutants",
     "HDR G0 mutants (5) cannot be more than founder pups (4)."),
    ({"total_pups_born": 3, "no_hdr_g0_mutants": 5}, "no_hdr_g0_mutants",
     "HDR G0 mutants (5) cannot be more than pups born (3)."),
])
def test_each_rule_names_both_counts_in_words(counts, field_name, message):
    assert message in microinjection_count_errors(MicroInjection(**counts))[field_name]


def test_every_count_has_words():
    counts = [f.name for f in MicroInjection._meta.concrete_fields if f.get_internal_type() == "PositiveIntegerField"]
    assert set(counts) <= set(COUNT_LABELS)


# --- Through the API, the form and the Excel import ----------------------------------------------------------------


@pytest.fixture
def es_plan(tech):
    plan = PlanFactory(centre=tech.centre)
    return plan, EsCellFactory(centre=tech.centre, gene=plan.gene)


@pytest.mark.django_db
def test_api_refuses_more_chimeras_than_pups_with_a_field_level_400(auth_client, manager, es_plan):
    plan, es_cell = es_plan
    response = auth_client(manager).post("/api/v1/microinjections/", {
        "plan": plan.pk, "es_cell": es_cell.name, "external_ref": "CNT-1", "mi_date": "2026-02-01",
        "total_pups_born": 4, "total_male_chimeras": 5, "total_female_chimeras": 4}, format="json")
    assert response.status_code == 400
    body = response.json()["errors"]
    assert body["total_male_chimeras"] == ["Male + female chimeras (9) cannot be more than pups born (4)."]
    assert body["total_female_chimeras"] == ["Male + female chimeras (9) cannot be more than pups born (4)."]
    assert not MicroInjection.objects.filter(external_ref="CNT-1").exists()


@pytest.mark.django_db
def test_api_refuses_a_change_that_breaks_the_hierarchy_of_stored_counts(auth_client, manager, es_plan):
    """GIVEN an attempt with 4 male chimeras WHEN 7 GLT chimeras are patched in THEN 400 on that field, nothing
    stored; CRISPR: 15 NHEJ G0 mutants from 10 founder pups is refused the same way."""
    plan, es_cell = es_plan
    client = auth_client(manager)
    created = client.post("/api/v1/microinjections/", {
        "plan": plan.pk, "es_cell": es_cell.name, "external_ref": "CNT-2", "mi_date": "2026-02-01",
        "total_pups_born": 10, "total_male_chimeras": 4}, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/microinjections/{created.json()['id']}/"
    response = client.patch(url, {"number_of_chimeras_with_glt_from_genotyping": 7}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["number_of_chimeras_with_glt_from_genotyping"] == [
        "GLT chimeras (7) cannot be more than male chimeras (4)."]
    assert MicroInjection.objects.get(external_ref="CNT-2").number_of_chimeras_with_glt_from_genotyping is None

    crispr = client.post("/api/v1/microinjections/", {
        "plan": PlanFactory(centre=manager.centre).pk, "kind": "crispr", "external_ref": "CNT-CR",
        "mi_date": "2026-02-01", "crsp_total_embryos_injected": 100, "crsp_total_embryos_survived": 80,
        "crsp_total_transfered": 70, "crsp_no_founder_pups": 10, "no_nhej_g0_mutants": 15,
        "guides": [{"sequence": "GATTACAGATTACAGATTACAGG"}],
        "nucleases": [{"nuclease_type": "Cas9", "nuclease_class": "mRNA"}]}, format="json")
    assert crispr.status_code == 400
    assert crispr.json()["errors"]["no_nhej_g0_mutants"] == [
        "NHEJ G0 mutants (15) cannot be more than founder pups (10)."]


@pytest.mark.django_db
def test_api_accepts_and_returns_the_f1_count(auth_client, manager, es_plan):
    plan, es_cell = es_plan
    response = auth_client(manager).post("/api/v1/microinjections/", {
        "plan": plan.pk, "es_cell": es_cell.name, "external_ref": "CNT-F1", "mi_date": "2026-02-01",
        "total_male_chimeras": 2, "total_f1_mice_from_matings": 12, "number_of_live_glt_offspring": 5,
        "number_of_het_offspring": 5}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["total_f1_mice_from_matings"] == 12
    assert response.json()["status"] == "Genotype confirmed"


@pytest.mark.django_db
def test_form_shows_the_count_error_beside_the_count_in_words(client, manager, es_plan):
    plan, es_cell = es_plan
    client.force_login(manager)
    data = {"plan": plan.pk, "kind": "es_cell", "es_cell": es_cell.pk, "external_ref": "CNT-FORM",
            "mi_date": "2026-02-01", "total_pups_born": "4", "total_male_chimeras": "5",
            "total_female_chimeras": "4", "confirm_warnings": "on"}
    for prefix, total in (("guides", 3), ("nucleases", 2)):
        data.update({f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
                     f"{prefix}-MAX_NUM_FORMS": total})
    response = client.post(reverse("colonies:microinjection_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["total_male_chimeras"] == ["Male + female chimeras (9) cannot be more than pups born (4)."]
    page = response.content.decode()
    assert "Male + female chimeras (9) cannot be more than pups born (4)." in page
    assert ">Pups born<" in page or "Pups born</label>" in page
    assert not MicroInjection.objects.filter(external_ref="CNT-FORM").exists()


@pytest.mark.django_db
def test_excel_import_reports_the_count_rule_by_row_and_column_and_saves_nothing(tech, es_plan):
    from tests.colonies.test_imports import rows_of, xlsx

    plan, es_cell = es_plan
    good = {"plan": plan.pk, "kind": "es_cell", "es_cell": es_cell.name, "external_ref": "CNT-X1",
            "mi_date": dt.date(2026, 2, 1), "total_pups_born": 10, "total_male_chimeras": 4}
    bad = {**good, "external_ref": "CNT-X2", "number_of_chimeras_with_glt_from_genotyping": 7}
    crispr = {"plan": plan.pk, "kind": "crispr", "external_ref": "CNT-X3", "mi_date": dt.date(2026, 2, 1),
              "crsp_no_founder_pups": 10, "no_nhej_g0_mutants": 15, "guides": "GATTACAGATTACAGATTACAGG",
              "nuclease_type": "Cas9", "nuclease_class": "mRNA"}
    result = microinjections_import(file=xlsx(*rows_of(MICROINJECTION_COLUMNS, [good, bad, crispr])), actor=tech)
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages == {
        (3, "number_of_chimeras_with_glt_from_genotyping"): "GLT chimeras (7) cannot be more than male chimeras (4).",
        (4, "no_nhej_g0_mutants"): "NHEJ G0 mutants (15) cannot be more than founder pups (10).",
    }
    assert result.created == 0 and not MicroInjection.objects.exists()
