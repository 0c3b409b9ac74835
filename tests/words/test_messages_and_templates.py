"""The user's words in messages, forms and Excel templates (issue 14 point 3): a count error shown once in words, a
number refused with the field's name and an example, parameters named with their unit (key beneath / on a second
header row), and the upload reading both today's template and one made before."""
import datetime as dt

import pytest
from django.urls import reverse

from colonies.models import MicroInjection
from procedures.imports import procedure_import, procedure_template
from procedures.models import Experiment
from tests.factories import BODY_WEIGHT_VALUES, EsCellFactory, MouseFactory, PlanFactory, body_weight_procedure
from tests.procedures.helpers import scheduled_test, upload_mice, upload_workbook

pytestmark = pytest.mark.django_db
CHIMERAS = "Male + female chimeras (9) cannot be more than pups born (4)."


def test_the_chimera_count_error_is_shown_once_in_words(client, manager):
    plan = PlanFactory(centre=manager.centre)
    es_cell = EsCellFactory(centre=manager.centre, gene=plan.gene)
    client.force_login(manager)
    data = {"plan": plan.pk, "kind": "es_cell", "es_cell": es_cell.pk, "external_ref": "CNT-ONCE",
            "mi_date": "2026-02-01", "total_pups_born": "4", "total_male_chimeras": "5",
            "total_female_chimeras": "4", "confirm_warnings": "on"}
    for prefix, total in (("guides", 3), ("nucleases", 2)):
        data.update({f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
                     f"{prefix}-MAX_NUM_FORMS": total})
    page = client.post(reverse("colonies:microinjection_create"), data).content.decode()
    assert page.count(CHIMERAS) == 1
    assert page.count("field--invalid") >= 1  # the count is highlighted where the message is
    assert not MicroInjection.objects.filter(external_ref="CNT-ONCE").exists()


@pytest.fixture
def weight_test(tech):
    mouse = MouseFactory(centre=tech.centre, specimen_id="WD-1", date_of_birth=dt.date.today() - dt.timedelta(days=60))
    return scheduled_test(mouse, body_weight_procedure(), due=dt.date.today())


def test_a_number_that_is_not_one_names_the_field_and_shows_how_to_write_it(client, tech, weight_test):
    client.force_login(tech)
    data = {**BODY_WEIGHT_VALUES, "IMPC_BWT_001_001": "abc", "date_of_experiment": dt.date.today().isoformat()}
    page = client.post(reverse("procedures:experiment_record", args=[weight_test.pk]), data).content.decode()
    assert "Body weight must be a number, e.g. 21.4; you typed &#x27;abc&#x27;." in page
    assert "is not a valid float" not in page and "Enter a number" not in page
    assert not Experiment.objects.exists()


def test_the_record_form_names_each_parameter_with_its_unit_and_the_key_beneath(client, tech, weight_test):
    client.force_login(tech)
    page = client.get(reverse("procedures:experiment_record", args=[weight_test.pk])).content.decode()
    label = page.split('<span class="param__name">Body weight</span>')[1]
    assert label.lstrip().startswith('<span class="param__unit">(g)</span>')
    key_at, name_at = page.index('<span class="param__key mono">IMPC_BWT_001_001</span>'), page.index(">Body weight<")
    assert key_at > name_at  # the key comes after (beneath) the name


def test_the_excel_template_names_each_column_with_its_unit_above_its_key(tech):
    sheet = procedure_template(procedure=body_weight_procedure(), actor=tech).worksheets[0]
    names, keys = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert names[keys.index("IMPC_BWT_001_001")] == "Body weight (g)"
    assert names[keys.index("IMPC_BWT_001_001_status")] == "Body weight: not measured because"
    assert sheet.freeze_panes == "A3"


@pytest.mark.parametrize("names_row", [True, False], ids=["todays-template", "template-made-before"])
def test_the_upload_reads_todays_template_and_one_made_before(tech, names_row):
    procedure = body_weight_procedure()
    mice = upload_mice(tech.centre, 3)
    for mouse in mice:
        scheduled_test(mouse, procedure, due=dt.date(2026, 2, 2))
    specimens = [m.specimen_id for m in mice]
    first = 3 if names_row else 2
    refused = procedure_import(file=upload_workbook(procedure, tech, specimens, {1: ("IMPC_BWT_001_001", "abc")},
                                                    names_row=names_row), procedure=procedure, actor=tech)
    assert [(e.row, e.column) for e in refused.errors] == [(first + 1, "IMPC_BWT_001_001")]  # Excel's own row
    assert refused.errors[0].message.startswith("Body weight must be a number, e.g. 21.4")
    result = procedure_import(file=upload_workbook(procedure, tech, specimens, names_row=names_row),
                              procedure=procedure, actor=tech)
    assert result.ok, result.errors[:3]
    assert result.created == 3 == Experiment.objects.count()
