"""Production pages: plans, attempts (ES cell and CRISPR), allele modifications, phenotyping attempts.

Pinned query counts on every list and detail page; warnings confirmed before saving; abort asks why and the reason
shows in the history; another centre's record is a 404 on every page; read-only users get 403 on every form. The summary is in test_production_summary.py.
"""
import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from colonies import services
from colonies.models import AlleleModification, Colony, CrisprGuide, MicroInjection, PhenotypingAttempt, Plan
from tests.factories import (
    ConsortiumFactory,
    GeneFactory,
    MicroInjectionFactory,
    PlanFactory,
)

pytestmark = pytest.mark.django_db

MAX_LIST_QUERIES = 6  # session, user, centre (header), count, page, stamps prefetch
MAX_DETAIL_QUERIES = 8  # + the record, its stamps, guides, nucleases and colonies (the attempt, the most)
# A colony lists its mice, cages, matings (with their females), modifications and cohorts: one query per table.
MAX_DETAIL_QUERIES_OF = {"colony": 10}
GUIDE = {"sequence": "GATTACAGATTACAGATTACAGG", "pam": "AGG", "chromosome": "2", "start": "100", "end": "122",
         "strand": "+"}


def _login(client, user):
    client.force_login(user)
    return client


# --- Lists and details: pinned queries, scoping ---------------------------------------------------------------------

LISTS = ["plan_list", "escell_list", "microinjection_list", "colony_list", "allelemodification_list",
         "phenotypingattempt_list"]
RECORDS = ["plan", "escell", "microinjection", "colony", "allelemodification", "phenotypingattempt"]


@pytest.mark.parametrize("name", LISTS)
def test_production_lists_render_own_centre_in_pinned_queries(client, lines, manager, name,
                                                              django_assert_max_num_queries):
    _login(client, manager)
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = client.get(reverse(f"colonies:{name}"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "H-PAX6" in content or "Pax6" in content
    assert "J-PAX6" not in content


@pytest.mark.parametrize("key", RECORDS)
def test_detail_pages_render_in_pinned_queries(client, lines, manager, key, django_assert_max_num_queries):
    record = lines["own"][key]
    _login(client, manager)
    with django_assert_max_num_queries(MAX_DETAIL_QUERIES_OF.get(key, MAX_DETAIL_QUERIES)):
        response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert str(record) in response.content.decode()


OUTSIDER_PAGES = [(f"colonies:{key}_{page}", key) for key in RECORDS for page in ("detail", "update")] + [
    (f"colonies:{key}_abort", key) for key in ("microinjection", "allelemodification", "phenotypingattempt")]


@pytest.mark.parametrize("url_name, key", OUTSIDER_PAGES)
def test_another_centres_production_record_is_not_found(client, lines, outsider, url_name, key):
    _login(client, outsider)
    url = reverse(url_name, args=[lines["own"][key].pk])
    assert client.get(url).status_code == 404
    if url_name.endswith("_detail"):
        assert client.get(url, {"tab": "history"}).status_code == 404
    if url_name.endswith("_abort"):
        assert client.post(url, {"reason": "not yours to abort"}).status_code == 404
        lines["own"][key].refresh_from_db()
        assert lines["own"][key].is_active


FORMS = [(f"colonies:{key}_create", None) for key in RECORDS] + [
    (f"colonies:{key}_update", key) for key in RECORDS] + [
    (f"colonies:{key}_abort", key) for key in ("microinjection", "allelemodification", "phenotypingattempt")]


@pytest.mark.parametrize("url_name, key", FORMS)
def test_read_only_user_gets_403_on_every_production_form(client, lines, readonly, url_name, key):
    _login(client, readonly)
    url = reverse(url_name, args=[lines["own"][key].pk] if key else [])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "read-only users cannot abort"}).status_code == 403


def test_microinjection_list_filters_by_kind_status_and_dates(client, lines, manager, centre):
    crispr = MicroInjectionFactory(centre=centre, plan=lines["own"]["plan"], es_cell=None, kind="crispr",
                                   external_ref="H-CR-1", mi_date=dt.date(2025, 3, 1), total_male_chimeras=None,
                                   number_of_het_offspring=None, no_nhej_g0_mutants=1,
                                   status=MicroInjection.Status.FOUNDER_OBTAINED)
    _login(client, manager)
    url = reverse("colonies:microinjection_list")
    content = client.get(url, {"kind": "crispr"}).content.decode()
    assert crispr.external_ref in content and "H-PAX6-MI" not in content
    content = client.get(url, {"status": "gtc", "consortium": "bash"}).content.decode()
    assert "H-PAX6-MI" in content and crispr.external_ref not in content
    content = client.get(url, {"mi_date_after": "2026-01-01", "q": "pax6"}).content.decode()
    assert "H-PAX6-MI" in content and crispr.external_ref not in content


def test_microinjection_list_exports_with_the_kind_column(client, lines, manager):
    response = _login(client, manager).get(reverse("colonies:microinjection_list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Attempt", "Gene", "Consortium", "Kind"]
    assert rows[1][:4] == ["H-PAX6-MI", "Pax6", "BaSH", "ES cell"]


def test_line_lists_filter_by_consortium_and_centre(client, lines, manager):
    _login(client, manager)
    for name in ("allelemodification_list", "phenotypingattempt_list"):
        url = reverse(f"colonies:{name}")
        assert "H-PAX6" in client.get(url, {"consortium": "BaSH", "centre": "H"}).content.decode()
        assert "H-PAX6" not in client.get(url, {"consortium": "MRC"}).content.decode()


# --- Timeline -----------------------------------------------------------------------------------------------------


def _timeline(content: str) -> list[tuple[str, str, str]]:
    """(state, label, date) of each step of the page's timeline."""
    steps = re.findall(r'timeline__step--(\w+)".*?timeline__label">([^<]+)<.*?timeline__date"[^>]*>([^<]+)<',
                       content, flags=re.S)
    return [(state, label.strip(), date.strip()) for state, label, date in steps]


def test_microinjection_timeline_shows_the_stamps_in_order_with_their_dates(client, lines, manager):
    attempt = lines["own"]["microinjection"]
    content = _login(client, manager).get(attempt.get_absolute_url()).content.decode()
    today = dt.date.today().isoformat()
    assert _timeline(content) == [
        ("done", "Micro-injection in progress", "2026-01-10"),  # dated by the injection (iMits)
        ("done", "Chimeras obtained", today),
        ("current", "Genotype confirmed", today),
    ]
    assert "Male chimeras" in content and "Embryos injected" not in content


def test_timeline_shows_the_statuses_still_ahead(client, lines, manager):
    plan, es_cell = lines["own"]["plan"], lines["own"]["escell"]
    attempt = services.microinjection_create(actor=manager, plan=plan, es_cell=es_cell, external_ref="H-NEW",
                                             mi_date=dt.date(2026, 2, 1))
    content = _login(client, manager).get(attempt.get_absolute_url()).content.decode()
    assert _timeline(content) == [("current", "Micro-injection in progress", "2026-02-01"),
                                  ("next", "Chimeras obtained", "not yet"), ("next", "Genotype confirmed", "not yet")]
    assert reverse("colonies:microinjection_abort", args=[attempt.pk]) in content


def test_allele_modification_and_cohort_timelines(client, lines, manager):
    _login(client, manager)
    content = client.get(lines["own"]["allelemodification"].get_absolute_url()).content.decode()
    assert [s[:2] for s in _timeline(content)] == [
        ("done", "Mouse Allele Modification Registered"), ("done", "Cre Excision Started"),
        ("current", "Cre Excision Complete")]
    content = client.get(lines["own"]["phenotypingattempt"].get_absolute_url()).content.decode()
    assert [s[:2] for s in _timeline(content)] == [
        ("current", "Phenotype Attempt Registered"), ("next", "Phenotyping Started"), ("next", "Phenotyping Complete")]


# --- Warnings confirmed before saving ---------------------------------------------------------------------------


def test_plan_create_warns_and_saves_only_once_confirmed(client, lines, manager, centre):
    """GIVEN JAX plans and injects Pax6 WHEN Harwell plans Pax6 THEN the form warns, saves nothing, and saves once
    "Save anyway" is ticked."""
    url = reverse("colonies:plan_create")
    data = {"gene": lines["own"]["plan"].gene_id, "consortium": ConsortiumFactory(name="MRC").pk,
            "priority": "high", "comment": ""}
    _login(client, manager)
    assert 'name="confirm_warnings"' not in client.get(url).content.decode()
    response = client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Check before saving" in content
    assert "Pax6 already has a plan by BaSH at JAX." in content
    assert "Pax6 is already being micro-injected at JAX (J-PAX6-MI)." in content
    assert 'name="confirm_warnings"' in content and "Save anyway" in content
    assert not Plan.objects.filter(centre=centre, consortium__name="MRC").exists()
    assert client.post(url, data).status_code == 200  # still not confirmed
    response = client.post(url, {**data, "confirm_warnings": "on"})
    plan = Plan.objects.get(centre=centre, consortium__name="MRC")
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()


def test_plan_for_an_unplanned_gene_saves_without_warnings(client, lines, manager, centre):
    data = {"gene": GeneFactory(symbol="Zfp1").pk, "consortium": ConsortiumFactory().pk, "priority": "low"}
    response = _login(client, manager).post(reverse("colonies:plan_create"), data)
    assert response.status_code == 302
    assert Plan.objects.get(gene__symbol="Zfp1").centre == centre


def test_plan_withdrawal_needs_a_reason(client, lines, manager):
    plan = lines["own"]["plan"]
    url = reverse("colonies:plan_update", args=[plan.pk])
    data = {"priority": "medium", "is_active": "on", "withdrawn": "on", "withdrawal_reason": "", "comment": ""}
    _login(client, manager)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["withdrawal_reason"] == ["Say why the plan is withdrawn."]
    response = client.post(url, {**data, "withdrawal_reason": "Line made by another consortium"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.withdrawn and plan.withdrawal_reason == "Line made by another consortium"
    history = client.get(plan.get_absolute_url(), {"tab": "history"}).content.decode()
    assert "colonies.plan.withdrawn" in history and "Line made by another consortium" in history


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "3"}


def _attempt_post(plan, **overrides) -> dict:
    data = {"plan": plan.pk, "kind": "es_cell", "external_ref": "H-MI-2", "mi_date": "2026-02-01",
            **_management("guides", 3), **_management("nucleases", 2)}
    return {**data, **overrides}


def test_microinjection_create_warns_when_the_gene_is_injected_elsewhere(client, lines, manager):
    plan, es_cell = lines["own"]["plan"], lines["own"]["escell"]
    url = reverse("colonies:microinjection_create")
    _login(client, manager)
    assert f'value="{plan.pk}" selected' in client.get(url, {"plan": plan.pk}).content.decode()
    response = client.post(url, _attempt_post(plan, es_cell=es_cell.pk))
    assert response.status_code == 200
    assert "Pax6 is already being micro-injected at JAX (J-PAX6-MI)." in response.content.decode()
    assert not MicroInjection.objects.filter(external_ref="H-MI-2").exists()
    response = client.post(url, _attempt_post(plan, es_cell=es_cell.pk, confirm_warnings="on"), follow=True)
    attempt = MicroInjection.objects.get(external_ref="H-MI-2")
    assert response.redirect_chain[-1][0] == attempt.get_absolute_url()
    assert attempt.status == MicroInjection.Status.IN_PROGRESS and attempt.is_active
    assert "Micro-injection in progress" in response.content.decode()


def test_service_errors_show_once_the_warnings_are_confirmed(client, lines, manager):
    plan = lines["own"]["plan"]
    response = _login(client, manager).post(reverse("colonies:microinjection_create"),
                                         _attempt_post(plan, confirm_warnings="on"))
    assert response.status_code == 200
    assert "An ES cell attempt needs its ES cell" in response.context["form"].errors["es_cell"][0]


def test_crispr_attempt_with_guide_and_nuclease_rows(client, lines, manager):
    """GIVEN a plan of a gene nobody else works on WHEN a CRISPR attempt is posted with one guide and one nuclease
    (blank rows left) THEN the service gets them as lists of dicts and the detail page shows them."""
    plan = PlanFactory(centre=manager.centre, gene=GeneFactory(symbol="Cr1"))
    guide = {f"guides-0-{k}": v for k, v in GUIDE.items()}
    data = _attempt_post(plan, kind="crispr", external_ref="H-CR-2", crsp_total_embryos_injected="100",
                         crsp_total_embryos_survived="80", no_nhej_g0_mutants="2", **guide,
                         **{"nucleases-0-nuclease_type": "Cas9", "nucleases-0-nuclease_class": "mRNA",
                            "nucleases-0-concentration": "25"})
    _login(client, manager)
    short = client.post(reverse("colonies:microinjection_create"), {**data, "guides-0-sequence": "ACGT",
                                                                    "guides-0-end": ""})
    assert short.status_code == 200
    assert "Guide 1: a guide is at least 16 bases of A, C, G, T." in short.content.decode()
    assert short.context["formsets"]["guides"].non_form_errors() == [
        "Guide 1: a guide is at least 16 bases of A, C, G, T."]
    response = client.post(reverse("colonies:microinjection_create"), data)
    assert response.status_code == 302, response.content.decode()
    attempt = MicroInjection.objects.get(external_ref="H-CR-2")
    assert attempt.status == MicroInjection.Status.FOUNDER_OBTAINED
    assert [(g.sequence, g.start, g.end) for g in attempt.guides.all()] == [(GUIDE["sequence"], 100, 122)]
    assert [(n.nuclease_type, n.concentration) for n in attempt.nucleases.all()] == [("Cas9", 25.0)]
    content = client.get(attempt.get_absolute_url()).content.decode()
    assert GUIDE["sequence"] in content and "Cas9" in content and "25 ng/µl" in content
    assert "Founder obtained" in content
    assert "Embryos injected" in content and "Male chimeras" not in content

    # Editing keeps the stored rows unless one is removed.
    url = reverse("colonies:microinjection_update", args=[attempt.pk])
    form_page = client.get(url)
    assert form_page.context["formsets"]["guides"].initial == [{**GUIDE, "start": 100, "end": 122}]
    update = {**data, **_management("guides", 3, initial=1), **_management("nucleases", 2, initial=1),
              "is_active": "on", "crsp_no_founder_pups": "5", "change_reason": "pups counted"}
    update.pop("kind")
    assert client.post(url, update).status_code == 302
    assert CrisprGuide.objects.filter(microinjection=attempt).count() == 1
    assert client.post(url, {**update, "guides-0-DELETE": "on"}).status_code == 200  # no guide left: refused
    assert CrisprGuide.objects.filter(microinjection=attempt).count() == 1


# --- Abort ---------------------------------------------------------------------------------------------------------

ABORTABLE = [("microinjection", "colonies.microinjection.aborted", "Micro-injection aborted"),
             ("allelemodification", "colonies.allelemodification.aborted", "Mouse Allele Modification Aborted"),
             ("phenotypingattempt", "colonies.phenotypingattempt.aborted", "Phenotype Production Aborted")]


@pytest.mark.parametrize("key, action, label", ABORTABLE)
def test_abort_with_a_reason_changes_the_status_and_shows_in_history(client, lines, manager, key, action, label):
    record = lines["own"][key]
    url = reverse(f"colonies:{key}_abort", args=[record.pk])
    _login(client, manager)
    assert url in client.get(record.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    short = client.post(url, {"reason": "no"})
    assert short.status_code == 200 and "reason" in short.context["form"].errors
    record.refresh_from_db()
    assert record.is_active

    response = client.post(url, {"reason": "Surrogates lost in the flood"}, follow=True)
    assert response.redirect_chain[-1][0] == record.get_absolute_url()
    record.refresh_from_db()
    assert not record.is_active and record.status == type(record).Status.ABORTED
    content = response.content.decode()
    assert "Aborted: Surrogates lost in the flood" in content
    assert ("aborted", label) in [s[:2] for s in _timeline(content)]
    assert url not in content  # no second abort offered
    history = client.get(record.get_absolute_url(), {"tab": "history"}).content.decode()
    assert action in history and "Surrogates lost in the flood" in history and "manager" in history


def test_aborting_twice_is_refused(client, lines, manager):
    attempt = lines["own"]["microinjection"]
    services.microinjection_abort(instance=attempt, actor=manager, reason="Embryos did not survive")
    url = reverse("colonies:microinjection_abort", args=[attempt.pk])
    _login(client, manager)
    assert client.get(url)["Location"] == attempt.get_absolute_url()
    response = client.post(url, {"reason": "Twice is once too many"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This micro-injection attempt is already aborted."]


# --- ES cells, colonies, lines --------------------------------------------------------------------------------


def test_es_cell_detail_shows_qc_as_tables(client, lines, manager):
    es_cell = lines["own"]["escell"]
    type(es_cell).objects.filter(pk=es_cell.pk).update(user_qc={"karyotype": "pass"},
                                                       production_qc={"loxp_confirmation": "fail"})
    content = _login(client, manager).get(es_cell.get_absolute_url()).content.decode()
    assert "User QC" in content and "Production-centre QC" in content
    assert re.search(r"Karyotype</span></td>\s*<td[^>]*><span class=\"badge badge--success\">pass", content)
    assert re.search(r"LoxP confirmation</span></td>\s*<td[^>]*><span class=\"badge badge--danger\">fail", content)
    assert re.search(r"Southern blot</span></td>\s*<td[^>]*><span class=\"badge badge--muted\">na", content)


def test_es_cell_create_takes_the_strain_from_the_parental_cell_line(client, lines, manager):
    data = {"name": "EPD0999_B02", "gene": lines["own"]["plan"].gene_id, "allele_type": "a",
            "parental_cell_line": "JM8A3.N1"}
    response = _login(client, manager).post(reverse("colonies:escell_create"), data)
    assert response.status_code == 302
    assert client.get(response["Location"]).context["object"].strain.name == "C57BL/6N-A<tm1Brd>/a"


def test_colony_detail_links_its_modifications_cohorts_and_mice(client, lines, manager):
    own = lines["own"]
    content = _login(client, manager).get(own["colony"].get_absolute_url()).content.decode()
    for key in ("allelemodification", "phenotypingattempt", "mouse", "microinjection"):
        assert own[key].get_absolute_url() in content
    assert f'{reverse("colonies:allelemodification_create")}?parent_colony={own["colony"].pk}' in content
    assert "J-PAX6" not in content


def test_colony_update_shows_the_dcc_lock_as_a_form_error(client, lines, manager):
    colony = lines["own"]["colony"]
    Colony.objects.filter(pk=colony.pk).update(dcc_submitted_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    data = {"name": "H-PAX6-RENAMED", "background_strain": colony.background_strain_id,
            "genotype_status": "confirmed", "project": "BaSH"}
    response = _login(client, manager).post(reverse("colonies:colony_update", args=[colony.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "The colony's name cannot change: its data was submitted to the DCC on 2026-03-01."]
    colony.refresh_from_db()
    assert colony.name == "H-PAX6"
    response = client.post(reverse("colonies:colony_update", args=[colony.pk]),
                           {**data, "name": "H-PAX6", "allele_symbol": "Pax6<tm1b(EUCOMM)Wtsi>"})
    assert response.status_code == 302


def test_allele_modification_create_makes_the_child_colony(client, lines, manager):
    parent = lines["own"]["colony"]
    url = reverse("colonies:allelemodification_create")
    _login(client, manager)
    form = client.get(url, {"parent_colony": parent.pk}).context["form"]
    assert form.initial["parent_colony"] == parent.pk
    assert list(form.fields["deleter_strain"].queryset.values_list("name", flat=True)) == ["Tg(Zp3-cre)3Mrt"]
    response = client.post(url, {"parent_colony": parent.pk, "tat_cre": "on", "number_of_cre_matings_started": 0,
                                 "number_of_cre_matings_successful": 0, "child_colony_name": "H-PAX6-TAT"})
    assert response.status_code == 302, response.content.decode()
    modification = AlleleModification.objects.get(external_ref="H-PAX6-2")
    assert modification.child_colony.name == "H-PAX6-TAT"
    assert modification.status == AlleleModification.Status.CRE_STARTED


def test_phenotyping_attempt_create_names_the_cohort_after_parent_and_centre(client, lines, manager):
    parent = lines["own"]["colony"]
    PhenotypingAttempt.objects.filter(parent_colony=parent).update(colony_name="H-PAX6-cohort-1")
    response = _login(client, manager).post(reverse("colonies:phenotypingattempt_create"),
                                         {"parent_colony": parent.pk, "colony_name": ""})
    assert response.status_code == 302, response.content.decode()
    assert PhenotypingAttempt.objects.filter(colony_name="H-PAX6_H", centre=manager.centre).exists()


def test_navigation_lists_the_production_pages(client, lines, manager):
    content = _login(client, manager).get(reverse("dashboard")).content.decode()
    for name in ("plan_list", "allelemodification_list", "phenotypingattempt_list", "production_summary"):
        assert f'href="{reverse(f"colonies:{name}")}"' in content
