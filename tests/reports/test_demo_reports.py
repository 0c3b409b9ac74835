"""The reports over the demo data (`load_demo`): every figure against the independent counts of test_figures."""
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from lims.models import User
from tests.reports.test_figures import check_breeding, check_dcc, check_phenotyping, check_production, check_qc


@pytest.mark.django_db
def test_every_report_over_the_demo_data(settings, client, tmp_path):
    settings.DEBUG = True
    settings.LIMS_DCC_OUTBOX = tmp_path / "outbox"  # the demo's first export is delivered there
    call_command("load_demo", stdout=StringIO())
    user = User.objects.get(username="demo-colony-manager")
    reports = [check_production(user, user.centre), check_breeding(user, user.centre),
               check_phenotyping(user, user.centre), check_dcc(user, user.centre),
               check_qc(user, user.centre, "H-CBX1-A01", "IMPC_BWT_001_001")]
    # The demo has something to show in each: spelled out so an empty demo cannot pass unnoticed.
    assert reports[0].summary["mi_gtc"] == 2 and reports[0].summary["plans"] == 5
    assert reports[1].summary["active_matings"] == 2 and reports[1].summary["weanings_due"] == 1
    assert reports[2].summary["done"] == 8
    # The demo's first export sent six body weights; two were recorded since, and demo_preflight_load adds three
    # legacy experiments the pre-flight refuses.
    assert reports[3].summary["submitted"] == 6 and reports[3].summary["pending"] == 5
    assert reports[4].summary["mutants"] == 4 and reports[4].summary["controls"] == 2
    client.force_login(user)
    for report in reports:
        response = client.get(reverse(f"reports:{report.name}"), {"export": "xlsx"})
        workbook = load_workbook(io.BytesIO(response.content))
        for sheet, table in zip(workbook.worksheets, report.tables, strict=True):
            numbers = [[v for v in row if isinstance(v, int | float) and not isinstance(v, bool)]
                       for row in sheet.iter_rows(min_row=2, values_only=True)]
            assert numbers == [[v for v in row if isinstance(v, int | float) and not isinstance(v, bool)]
                               for row in table.rows]
