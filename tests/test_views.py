"""HTML views: every list renders in a pinned number of queries and filters, exports match the filters, records of
another centre are 404 everywhere, roles that may not write get 403, and the record form validates by parameter."""
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from colonies.models import Mouse
from procedures.dcc.models import Submission, SubmissionFile
from procedures.models import Experiment, Parameter, ParameterValue, ScheduledTest
from procedures.services import EnteredValue, experiment_record, mice_enrol
from tests.factories import (
    BODY_WEIGHT_VALUES,
    ColonyFactory,
    GeneFactory,
    MouseFactory,
    body_weight_procedure,
)

pytestmark = pytest.mark.django_db

# Session, user, the user's centre (header), count and page (+ a prefetch); an N+1 over 3 rows breaks it.
MAX_LIST_QUERIES = 6
MAX_QUERIES = {
    "dashboard": 12,  # the centre admin's dashboard: every panel, one to three counts each (DCC: last sent, pending)
    "colonies:mouse_list": 8,  # + the page's current cage placements and alleles, one prefetch query each
}
# Scheduled tests show each mouse's current cage and room: one prefetch of the open placements for the whole page
# (and the worklist's room select), constant whatever the number of rows.
MAX_QUERIES.update({"procedures:scheduledtest_list": 7, "procedures:worklist": 7})


@pytest.fixture
def world(centre, other_centre, tech, outsider):
    """GIVEN Harwell with a colony, three mice enrolled for body weight (one already recorded) and a submission,
    and JAX with its own colony, mouse, schedule, experiment and submission."""
    procedure = body_weight_procedure()
    colony = ColonyFactory(centre=centre, name="HAR-PAX6")
    mice = [
        MouseFactory(centre=centre, colony=colony, specimen_id="H-001", sex=Mouse.Sex.MALE),
        MouseFactory(centre=centre, colony=colony, specimen_id="H-002", sex=Mouse.Sex.FEMALE),
        MouseFactory(centre=centre, colony=colony, specimen_id="H-003", sex=Mouse.Sex.MALE),
    ]
    today = dt.date.today()
    mice_enrol(mice=mice, pipeline=procedure.pipeline, actor=tech, enrolled_on=today)
    tests = list(ScheduledTest.objects.filter(mouse__in=mice).order_by("mouse__specimen_id"))  # bulk_create: no pks
    experiment = experiment_record(
        mouse=mice[2], procedure=procedure, date_of_experiment=today, actor=tech,
        scheduled_test=ScheduledTest.objects.get(mouse=mice[2]),
        values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()},
    )
    Submission.objects.create(centre=centre, created_by=tech, specimen_count=3, experiment_count=1)

    other_colony = ColonyFactory(centre=other_centre, name="JAX-OTHER")
    other_mouse = MouseFactory(centre=other_centre, colony=other_colony, specimen_id="J-001")
    mice_enrol(mice=[other_mouse], pipeline=procedure.pipeline, actor=outsider, enrolled_on=today)
    other_experiment = experiment_record(
        mouse=other_mouse, procedure=procedure, date_of_experiment=today, actor=outsider,
        values={k: [EnteredValue(value=v)] for k, v in BODY_WEIGHT_VALUES.items()},
    )
    other_submission = Submission.objects.create(centre=other_centre)
    return {
        "procedure": procedure, "colony": colony, "mice": mice, "tests": tests, "experiment": experiment,
        "other": {
            "colony": other_colony, "mouse": other_mouse, "microinjection": other_colony.microinjection,
            "plan": other_colony.microinjection.plan, "escell": other_colony.microinjection.es_cell,
            "scheduledtest": ScheduledTest.objects.get(mouse=other_mouse), "experiment": other_experiment,
            "submission": other_submission,
        },
    }


def _login(client, user):
    client.force_login(user)
    return client


# --- Lists -------------------------------------------------------------------------------------------------------

LISTS = [
    ("colonies:gene_list", "Symbol"),
    ("colonies:plan_list", "Consortium"),
    ("colonies:escell_list", "Parental cell line"),
    ("colonies:microinjection_list", "Attempt"),
    ("colonies:colony_list", "HAR-PAX6"),
    ("colonies:mouse_list", "H-001"),
    ("procedures:scheduledtest_list", "H-001"),
    ("procedures:experiment_list", "H-003"),
    ("dcc:submission_list", "Specimens"),
    ("procedures:worklist", "H-002"),
    ("dashboard", "Phenotyping today"),
]


@pytest.mark.parametrize("url_name, expected", LISTS)
def test_list_pages_render_for_a_member_in_pinned_queries(client, world, centre_admin, url_name, expected,
                                                          django_assert_max_num_queries):
    _login(client, centre_admin)
    with django_assert_max_num_queries(MAX_QUERIES.get(url_name, MAX_LIST_QUERIES)):
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    content = response.content.decode()
    assert expected in content
    assert "JAX-OTHER" not in content and "J-001" not in content


def test_list_pages_need_a_login(client, world):
    response = client.get(reverse("colonies:mouse_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_mouse_list_filters_with_the_api_filterset(client, world, manager):
    _login(client, manager)
    content = client.get(reverse("colonies:mouse_list"), {"sex": "male"}).content.decode()
    assert "H-001" in content and "H-003" in content and "H-002" not in content
    content = client.get(reverse("colonies:mouse_list"), {"q": "h-002"}).content.decode()
    assert "H-002" in content and "H-001" not in content


def test_microinjection_list_filters_by_gene(client, world, manager, centre):
    other_gene_colony = ColonyFactory(centre=centre, name="HAR-OTHER-GENE", gene=GeneFactory(symbol="Zzz1"))
    _login(client, manager)
    content = client.get(reverse("colonies:microinjection_list"), {"gene": world["colony"].gene.symbol}).content
    assert world["colony"].microinjection.external_ref.encode() in content
    assert other_gene_colony.microinjection.external_ref.encode() not in content


def test_list_shows_create_button_only_to_writers(client, world, manager, readonly):
    create = reverse("colonies:mouse_create")
    assert create in _login(client, manager).get(reverse("colonies:mouse_list")).content.decode()
    assert create not in _login(client, readonly).get(reverse("colonies:mouse_list")).content.decode()


# --- Exports -----------------------------------------------------------------------------------------------------


def test_csv_export_streams_the_filtered_list(client, world, manager):
    _login(client, manager)
    response = client.get(reverse("colonies:mouse_list"), {"sex": "male", "export": "csv"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Mouse ID", "Ear mark", "Colony", "Strain"]
    assert sorted(r[0] for r in rows[1:]) == ["H-001", "H-003"]
    assert rows[1][4] == "Male" and rows[1][5] == "2026-01-05"


def test_xlsx_export_writes_the_filtered_list(client, world, manager):
    _login(client, manager)
    response = client.get(reverse("colonies:mouse_list"), {"sex": "female", "export": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Mouse ID"
    assert [r[0] for r in rows[1:]] == ["H-002"]
    assert rows[1][5] == dt.datetime(2026, 1, 5)  # a real date cell, not text


def test_export_neutralises_formulas(client, world, manager, centre):
    MouseFactory(centre=centre, colony=world["colony"], specimen_id="=HYPERLINK(1)")
    _login(client, manager)
    response = client.get(reverse("colonies:mouse_list"), {"q": "HYPERLINK", "export": "csv"})
    assert "'=HYPERLINK(1)" in b"".join(response.streaming_content).decode()


# --- Details, scoping and history -------------------------------------------------------------------------------

OTHER_CENTRE_PAGES = [
    ("colonies:plan_detail", "plan"), ("colonies:escell_detail", "escell"),
    ("colonies:microinjection_detail", "microinjection"), ("colonies:microinjection_update", "microinjection"),
    ("colonies:colony_detail", "colony"), ("colonies:mouse_detail", "mouse"),
    ("procedures:scheduledtest_detail", "scheduledtest"), ("procedures:experiment_record", "scheduledtest"),
    ("procedures:experiment_detail", "experiment"), ("dcc:submission_detail", "submission"),
]


@pytest.mark.parametrize("url_name, key", OTHER_CENTRE_PAGES)
def test_another_centres_record_is_not_found(client, world, centre_admin, url_name, key):
    _login(client, centre_admin)
    url = reverse(url_name, args=[world["other"][key].pk])
    assert client.get(url).status_code == 404
    assert client.get(url, {"tab": "history"}).status_code == 404


def test_mouse_detail_shows_its_scheduled_tests_and_experiments(client, world, tech):
    _login(client, tech)
    mouse = world["mice"][2]
    content = client.get(reverse("colonies:mouse_detail", args=[mouse.pk])).content.decode()
    assert "Scheduled tests" in content and "Experiments" in content
    assert world["experiment"].get_absolute_url() in content
    assert world["experiment"].date_of_experiment.isoformat() in content
    assert "Done" in content


def test_experiment_detail_shows_values_with_units(client, world, tech):
    _login(client, tech)
    content = client.get(world["experiment"].get_absolute_url()).content.decode()
    assert "Body weight" in content and "24.5" in content and ">g<" in content


def test_gene_detail_is_global_but_shows_only_own_centres_colonies(client, world, manager):
    _login(client, manager)
    other_gene = world["other"]["colony"].gene
    content = client.get(reverse("colonies:gene_detail", args=[other_gene.pk])).content.decode()
    assert other_gene.symbol in content and "JAX-OTHER" not in content


def test_history_tab_shows_who_why_and_old_to_new(client, world, manager):
    attempt = world["colony"].microinjection
    _login(client, manager)
    response = client.post(
        reverse("colonies:microinjection_update", args=[attempt.pk]),
        _microinjection_post(attempt, comments="Second transfer", change_reason="Surrogates re-counted"),
    )
    assert response.status_code == 302, response.content.decode()
    content = client.get(attempt.get_absolute_url(), {"tab": "history"}).content.decode()
    assert "manager" in content and "colonies.microinjection.updated" in content and "Surrogates re-counted" in content
    assert "Second transfer" in content and "<del>" in content


# --- Create and update through services ----------------------------------------------------------------------


def test_read_only_user_gets_403_on_a_create_form(client, world, readonly):
    _login(client, readonly)
    assert client.get(reverse("colonies:mouse_create")).status_code == 403
    assert client.post(reverse("colonies:mouse_create"), {"specimen_id": "X"}).status_code == 403
    assert client.get(reverse("procedures:experiment_record", args=[world["tests"][0].pk])).status_code == 403


def test_technician_may_open_the_record_form(client, world, tech):
    _login(client, tech)
    assert client.get(reverse("procedures:experiment_record", args=[world["tests"][0].pk])).status_code == 200


def _mouse_post(colony, **overrides):
    data = {"specimen_id": "H-NEW", "colony": colony.pk, "strain": colony.background_strain.pk, "sex": "female",
            "date_of_birth": "2026-02-01", "zygosity": "heterozygous", "litter_code": "L1"}
    return {**data, **overrides}


def test_create_calls_the_service_for_the_users_centre(client, world, manager, centre):
    _login(client, manager)
    response = client.post(reverse("colonies:mouse_create"), _mouse_post(world["colony"]))
    mouse = Mouse.objects.get(specimen_id="H-NEW")
    assert response.status_code == 302 and response["Location"] == mouse.get_absolute_url()
    assert mouse.centre == centre


def test_service_validation_errors_show_on_their_fields(client, world, manager):
    _login(client, manager)
    response = client.post(reverse("colonies:mouse_create"), _mouse_post(world["colony"], date_of_birth="2999-01-01"))
    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"] == ["The date of birth cannot be in the future."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Mouse.objects.filter(specimen_id="H-NEW").exists()


def test_create_form_offers_only_the_users_centres_records(client, world, manager):
    _login(client, manager)
    form = client.get(reverse("colonies:mouse_create")).context["form"]
    assert list(form.fields["colony"].queryset) == [world["colony"]]
    response = client.post(reverse("colonies:mouse_create"), _mouse_post(world["other"]["colony"]))
    assert "colony" in response.context["form"].errors


def _microinjection_post(attempt, **overrides):
    data = {"plan": attempt.plan_id, "es_cell": attempt.es_cell_id, "external_ref": attempt.external_ref,
            "mi_date": attempt.mi_date.isoformat(), "is_active": "on",
            "total_male_chimeras": attempt.total_male_chimeras or "",
            "number_of_het_offspring": attempt.number_of_het_offspring or "", "comments": attempt.comments}
    return {**data, **overrides}


def test_microinjection_update_rederives_the_status(client, world, manager):
    attempt = world["colony"].microinjection
    _login(client, manager)
    page = client.get(reverse("colonies:microinjection_update", args=[attempt.pk])).content.decode()
    assert "badge--success" in page and 'name="status"' not in page
    response = client.post(reverse("colonies:microinjection_update", args=[attempt.pk]),
                           _microinjection_post(attempt, is_active=""))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == attempt.Status.ABORTED


# --- Worklist and the record form --------------------------------------------------------------------------------


def test_worklist_groups_due_tests_by_procedure_with_record_buttons(client, world, tech):
    _login(client, tech)
    response = client.get(reverse("procedures:worklist"))
    content = response.content.decode()
    assert "Body Weight" in content and "H-001" in content and "H-002" in content
    assert "H-003" not in content  # already recorded
    assert reverse("procedures:experiment_record", args=[world["tests"][0].pk]) in content


def test_worklist_for_an_earlier_day_hides_tests_not_yet_due(client, world, tech):
    _login(client, tech)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    content = client.get(reverse("procedures:worklist"), {"day": yesterday.isoformat()}).content.decode()
    assert "H-001" not in content and "Nothing due" in content


def _record_post(**overrides):
    data = {"date_of_experiment": dt.date.today().isoformat(), "experimenter": "tech", **BODY_WEIGHT_VALUES}
    return {**data, **overrides}


def _test_of(world, specimen_id):
    return ScheduledTest.objects.get(mouse__specimen_id=specimen_id)


def test_record_form_is_built_from_the_parameters(client, world, tech):
    _login(client, tech)
    content = client.get(reverse("procedures:experiment_record", args=[_test_of(world, "H-001").pk])).content.decode()
    assert 'name="IMPC_BWT_001_001"' in content and 'inputmode="decimal"' in content
    assert "IMPC_BWT_001_001" in content and "(g)" in content
    assert "<legend>Metadata</legend>" in content
    assert "IMPC_PARAMSC_001" in content
    weight_input = re.search(r'<input[^>]*name="IMPC_BWT_001_001"[^>]*>', content).group(0)
    assert "autofocus" in weight_input and content.count("autofocus") == 1
    assert f'value="{dt.date.today().isoformat()}"' in content


def test_record_refuses_a_non_number_body_weight(client, world, tech):
    test = _test_of(world, "H-001")
    _login(client, tech)
    response = client.post(reverse("procedures:experiment_record", args=[test.pk]),
                           _record_post(IMPC_BWT_001_001="heavy"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Body weight must be a number, e.g. 21.4; you typed &#x27;heavy&#x27;." in content
    assert 'value="heavy"' in content and 'value="Sartorius"' in content  # what was typed is kept
    assert not Experiment.objects.filter(scheduled_test=test).exists()
    test.refresh_from_db()
    assert test.status == ScheduledTest.Status.SCHEDULED


def test_record_refuses_missing_required_metadata(client, world, tech):
    test = _test_of(world, "H-001")
    _login(client, tech)
    response = client.post(reverse("procedures:experiment_record", args=[test.pk]),
                           _record_post(IMPC_BWT_003_001=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["IMPC_BWT_003_001"] == [
        "Equipment ID (IMPC_BWT_003_001) is required: enter a value or a parameter status code."
    ]
    assert not Experiment.objects.filter(scheduled_test=test).exists()


def test_record_saves_and_returns_to_the_worklist(client, world, tech):
    test = _test_of(world, "H-001")
    _login(client, tech)
    response = client.post(reverse("procedures:experiment_record", args=[test.pk]), _record_post(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("procedures:worklist")
    assert "Body Weight saved for H-001" in response.content.decode()
    experiment = Experiment.objects.get(scheduled_test=test)
    assert experiment.recorded_by == tech
    assert ParameterValue.objects.get(experiment=experiment, parameter__key="IMPC_BWT_001_001").value == "24.5"
    test.refresh_from_db()
    assert test.status == ScheduledTest.Status.DONE
    again = client.get(reverse("procedures:experiment_record", args=[test.pk]))
    assert again.status_code == 302 and again["Location"] == test.get_absolute_url()


def test_record_accepts_a_status_code_instead_of_a_value(client, world, tech):
    test = _test_of(world, "H-002")
    _login(client, tech)
    data = _record_post(IMPC_BWT_001_001="", IMPC_BWT_001_001__status="IMPC_PARAMSC_013")
    assert client.post(reverse("procedures:experiment_record", args=[test.pk]), data).status_code == 302
    value = ParameterValue.objects.get(experiment__scheduled_test=test, parameter__key="IMPC_BWT_001_001")
    assert value.value == "" and value.status_code == "IMPC_PARAMSC_013"


def test_record_prefills_metadata_from_the_users_last_experiment(client, world, tech):
    _login(client, tech)
    form = client.get(reverse("procedures:experiment_record", args=[_test_of(world, "H-001").pk])).context["form"]
    assert form.initial["IMPC_BWT_004_001"] == "Sartorius"
    assert "IMPC_BWT_001_001" not in form.initial  # measurements are never carried over


def test_record_form_has_one_input_per_series_increment(client, world, tech):
    """GIVEN a procedure with a series parameter WHEN one increment is left empty THEN the error names the gap."""
    procedure = world["procedure"]
    Parameter.objects.create(procedure=procedure, key="IMPC_BWT_099_001", name="Weight series", type="series",
                             value_type="FLOAT", unit="g", required=True, increments=["1", "2"], order=99)
    test = _test_of(world, "H-001")
    _login(client, tech)
    url = reverse("procedures:experiment_record", args=[test.pk])
    content = client.get(url).content.decode()
    assert 'name="IMPC_BWT_099_001__0"' in content and 'name="IMPC_BWT_099_001__1"' in content
    response = client.post(url, _record_post(IMPC_BWT_099_001__0="1.5"))
    assert "Weight series (IMPC_BWT_099_001): increments 2 are missing." in response.content.decode()
    response = client.post(url, _record_post(IMPC_BWT_099_001__0="1.5", IMPC_BWT_099_001__status="IMPC_PARAMSC_001"))
    assert response.status_code == 302
    values = ParameterValue.objects.filter(experiment__scheduled_test=test, parameter__key="IMPC_BWT_099_001")
    assert sorted((v.increment, v.value, v.status_code) for v in values) == [
        ("1", "1.5", ""), ("2", "", "IMPC_PARAMSC_001")
    ]


@pytest.mark.parametrize("persona, shown, hidden", [
    ("tech", "Phenotyping today", "Last submissions"),
    ("wrangler", "Last submissions", "Live mice"),
    ("manager", "Live mice", "Last submissions"),
    ("readonly", "Live mice", "Last submissions"),
])
def test_dashboard_shows_the_panels_of_the_role(client, world, request, persona, shown, hidden):
    content = _login(client, request.getfixturevalue(persona)).get(reverse("dashboard")).content.decode()
    assert shown in content and hidden not in content


def test_dashboard_counts_only_the_users_centre(client, world, tech):
    response = _login(client, tech).get(reverse("dashboard"))
    assert response.context["due_count"] == 2  # H-001 and H-002; H-003 is done, J-001 is another centre's


def test_submission_detail_shows_errors_and_files(client, world, wrangler, centre):
    submission = Submission.objects.create(centre=centre, status=Submission.Status.FAILED,
                                           errors=["specimen.xml: cvc-complex-type.2.4.a"])
    SubmissionFile.objects.create(submission=submission, kind=SubmissionFile.Kind.SPECIMEN, zip_name="H.1.zip",
                                  xml_name="H.1.xml", increment=1, sha256="ab" * 32, size=10, path="/tmp/H.1.zip")
    content = _login(client, wrangler).get(submission.get_absolute_url()).content.decode()
    assert "cvc-complex-type.2.4.a" in content and "H.1.zip" in content and "Failed" in content


def test_dashboard_counts_the_managers_open_to_do_items(client, world, manager, outsider):
    from colonies.models import Reminder

    today = dt.date.today()
    Reminder.objects.create(centre=manager.centre, kind="wean", key="wean:litter:1", due_on=today, title="Wean L1")
    Reminder.objects.create(centre=manager.centre, kind="wean", key="wean:litter:2", due_on=today,
                            title="Wean L2", done_at=timezone.now())
    Reminder.objects.create(centre=manager.centre, kind="wean", key="wean:litter:3",
                            due_on=today + dt.timedelta(days=3), title="Not yet due")
    Reminder.objects.create(centre=outsider.centre, kind="wean", key="wean:litter:4", due_on=today, title="JAX")
    response = _login(client, manager).get(reverse("dashboard"))
    assert response.context["todo_count"] == 1
