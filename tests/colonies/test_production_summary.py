"""The production summary: its figures equal a count made here, independently, from the rows; each figure links to
the lines behind it; CSV and Excel exports; an unknown export format is a 404."""
import csv
import io
from collections import defaultdict
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from django.urls import reverse

from colonies.models import AlleleModification, MicroInjection, PhenotypingAttempt
from colonies.production.summary import SUMMARY_COLUMNS
from lims.services import record_void
from tests.factories import ConsortiumFactory, GeneFactory, MicroInjectionFactory, PlanFactory

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def production(lines, centre, tech):
    """GIVEN Harwell attempts for four genes under two consortia at every status, with repeats of a gene (counted
    once), a voided attempt (not counted), and JAX's line (another centre: not shown)."""
    bash, mrc = ConsortiumFactory(), ConsortiumFactory(name="MRC")
    genes = [GeneFactory(symbol=f"Sum{n}") for n in range(4)]
    S = MicroInjection.Status
    specs = [(bash, 0, S.IN_PROGRESS), (bash, 0, S.IN_PROGRESS), (bash, 1, S.IN_PROGRESS),
             (bash, 1, S.GENOTYPE_CONFIRMED), (bash, 2, S.CHIMERAS_OBTAINED), (bash, 3, S.ABORTED),
             (mrc, 0, S.GENOTYPE_CONFIRMED), (mrc, 2, S.GENOTYPE_CONFIRMED), (mrc, 2, S.GENOTYPE_CONFIRMED),
             (mrc, 3, S.FOUNDER_OBTAINED)]
    plans = {}
    for consortium, gene_index, status in specs:
        key = (consortium.pk, gene_index)
        plans.setdefault(key, PlanFactory(centre=centre, consortium=consortium, gene=genes[gene_index]))
        MicroInjectionFactory(centre=centre, plan=plans[key], status=status, is_active=status != S.ABORTED)
    voided = MicroInjectionFactory(centre=centre, plan=plans[(mrc.pk, 3)], status=S.CHIMERAS_OBTAINED)
    record_void(record=voided, reason="entered twice", actor=tech)
    return genes


def _expected_summary(centre) -> dict:
    """Count in Python, row by row: {(consortium, status): {gene ids}} of Harwell's live records."""
    expected = defaultdict(set)
    for attempt in MicroInjection.objects.filter(centre=centre, voided_at__isnull=True).select_related("plan"):
        expected[(attempt.plan.consortium.name, f"mi_{attempt.status}")].add(attempt.plan.gene_id)
        expected[(attempt.plan.consortium.name, "genes")].add(attempt.plan.gene_id)
    for mod in AlleleModification.objects.filter(centre=centre, voided_at__isnull=True):
        consortium = mod.parent_colony.microinjection.plan.consortium.name
        expected[(consortium, f"am_{mod.status}")].add(mod.parent_colony.gene_id)
    for cohort in PhenotypingAttempt.objects.filter(centre=centre, voided_at__isnull=True):
        consortium = cohort.parent_colony.microinjection.plan.consortium.name
        expected[(consortium, f"pa_{cohort.status}")].add(cohort.parent_colony.gene_id)
    columns = {column.key for column in SUMMARY_COLUMNS} | {"genes"}
    return {key: len(genes) for key, genes in expected.items() if key[1] in columns}


def test_summary_figures_equal_an_independent_count(client, production, centre, manager,
                                                    django_assert_max_num_queries):
    PhenotypingAttempt.objects.filter(centre=centre).update(phenotyping_started=True, status="pds")
    _login(client, manager)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("colonies:production_summary"))
    assert response.status_code == 200
    summary = response.context["summary"]
    expected = _expected_summary(centre)
    shown = {}
    for row in summary.rows:
        assert row.centre == "Harwell"  # JAX's line is another centre's
        shown[(row.consortium, "genes")] = row.genes
        for figure in row.figures:
            if figure.value:
                shown[(row.consortium, figure.column.key)] = figure.value
    assert shown == expected
    assert shown[("BaSH", "mi_mip")] == 2 and shown[("MRC", "mi_gtc")] == 2  # repeats of a gene count once
    assert shown[("BaSH", "am_cec")] == 1 and shown[("BaSH", "pa_pds")] == 1
    assert "J-PAX6" not in response.content.decode()


def test_each_summary_figure_links_to_the_lines_behind_it(client, production, centre, manager):
    _login(client, manager)
    summary = client.get(reverse("colonies:production_summary")).context["summary"]
    checked = 0
    for row in summary.rows:
        for figure in row.figures:
            if not figure.value:
                assert figure.url == ""
                continue
            query = {k: v[0] for k, v in parse_qs(urlparse(figure.url).query).items()}
            assert query == {"consortium": row.consortium, "centre": "H", "status": figure.column.status}
            listed = client.get(figure.url).context["object_list"]
            model = figure.column.model
            genes = {(o.plan.gene_id if model is MicroInjection else o.parent_colony.gene_id) for o in listed}
            assert len(genes) == figure.value, figure.url
            checked += 1
    assert checked == 7  # BaSH: in progress, chimeras, confirmed, aborted, Cre complete; MRC: confirmed, founder


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_summary_exports(client, production, manager, fmt):
    response = _login(client, manager).get(reverse("colonies:production_summary"), {"export": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Consortium", "Centre", "Genes with an attempt",
                           "Micro-injection: Micro-injection in progress"]
    by_consortium = {r[0]: r for r in rows[1:]}
    assert by_consortium["BaSH"][1] == "Harwell" and by_consortium["BaSH"][3] == "2"
    assert set(by_consortium) == {"BaSH", "MRC"}


def test_summary_refuses_an_unknown_export(client, lines, manager):
    assert _login(client, manager).get(reverse("colonies:production_summary"), {"export": "pdf"}).status_code == 404
