"""Genotyping pages: assays with the inline rule editor, result entry prefilled from the to-do list, result list and
export, void, the "to be genotyped" list with its filters and export, scoping (404) and read-only users (403)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from colonies import services
from colonies.models import GenotypeResult, GenotypingAssay, ZygosityRule
from tests.colonies.helpers import pax6_assay
from tests.factories import ColonyFactory, GenotypingAssayFactory, MouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assay(centre):
    return pax6_assay(centre, rules={"both bands": "heterozygous", "WT band only": "wild type"})


@pytest.fixture
def mouse(centre):
    return MouseFactory(centre=centre, specimen_id="H-0001")


@pytest.fixture
def logged_in(client, tech):
    client.force_login(tech)
    return client


def result_for(tech, mouse, assay, call="both bands"):
    return services.result_record(actor=tech, mouse=mouse, assay=assay, call=call, tested_on=dt.date(2026, 1, 25),
                                  collected_on=dt.date(2026, 1, 20))


def test_assay_create_and_edit_with_calls_one_per_line(logged_in):
    response = logged_in.post(reverse("colonies:assay_create"), {
        "name": "Sox2 PCR", "allele": "Sox2<em1>", "calls": " WT \r\nhet\r\n\r\nhom", "sets_mouse_zygosity": "on"})
    assay = GenotypingAssay.objects.get(name="Sox2 PCR")
    assert response.status_code == 302 and response["Location"] == reverse("colonies:assay_detail", args=[assay.pk])
    assert assay.calls == ["WT", "het", "hom"]
    edit = logged_in.get(reverse("colonies:assay_update", args=[assay.pk]))
    assert edit.status_code == 200 and "WT\nhet\nhom" in edit.content.decode()
    response = logged_in.post(reverse("colonies:assay_update", args=[assay.pk]), {
        "name": "Sox2 PCR", "allele": "Sox2<em1>", "calls": "WT\nWT"})
    assert response.status_code == 200 and "listed twice" in response.content.decode()


def test_assay_detail_edits_the_rule_table_inline(logged_in, assay):
    url = reverse("colonies:assay_detail", args=[assay.pk])
    page = logged_in.get(url).content.decode()
    assert 'name="zygosity"' in page and "mutant band only" in page  # the call without a rule is offered
    response = logged_in.post(reverse("colonies:zygosityrule_create", args=[assay.pk]),
                              {"call": "mutant band only", "zygosity": "homozygous"})
    assert response.status_code == 302 and response["Location"] == f"{url}#rules"
    assert assay.rules.get(call="mutant band only").zygosity == "homozygous"
    rule = assay.rules.get(call="both bands")
    logged_in.post(reverse("colonies:zygosityrule_update", args=[rule.pk]), {"zygosity": "hemizygous"})
    rule.refresh_from_db()
    assert rule.zygosity == "hemizygous"
    logged_in.post(reverse("colonies:zygosityrule_delete", args=[rule.pk]))
    assert not ZygosityRule.objects.filter(pk=rule.pk).exists()
    response = logged_in.post(reverse("colonies:zygosityrule_create", args=[assay.pk]),
                              {"call": "bogus", "zygosity": "homozygous"}, follow=True)
    assert "is not a call of assay" in response.content.decode()


def test_result_entry_prefilled_from_the_to_do_list(logged_in, tech, mouse, assay):
    todo = logged_in.get(reverse("colonies:genotyping_todo")).content.decode()
    create = reverse("colonies:genotyperesult_create")
    assert f"{create}?mouse={mouse.pk}" in todo
    form = logged_in.get(f"{create}?mouse={mouse.pk}")
    assert form.status_code == 200
    assert f'<option value="{mouse.pk}" selected>' in form.content.decode()
    response = logged_in.post(create, {"mouse": mouse.pk, "assay": assay.pk, "call": "both bands",
                                       "tested_on": "2026-01-25", "sample_id": "TUBE-1", "sample_type": "ear",
                                       "collected_on": "2026-01-20", "batch": ""})
    result = GenotypeResult.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("colonies:genotyperesult_detail", args=[result.pk])
    assert result.zygosity == "heterozygous" and result.sample.sample_id == "TUBE-1"
    assert f"{create}?mouse={mouse.pk}" not in logged_in.get(reverse("colonies:genotyping_todo")).content.decode()


def test_result_form_shows_the_services_errors_on_the_fields(logged_in, mouse, assay):
    response = logged_in.post(reverse("colonies:genotyperesult_create"), {
        "mouse": mouse.pk, "assay": assay.pk, "call": "mutant band only", "tested_on": "2026-01-25",
        "collected_on": "2026-01-20"})
    assert response.status_code == 200
    assert "No zygosity rule for call &#x27;mutant band only&#x27;" in response.content.decode()
    assert not GenotypeResult.objects.exists()


def test_result_list_filters_exports_and_void(logged_in, tech, centre, mouse, assay):
    other = MouseFactory(centre=centre, specimen_id="H-0002")
    result = result_for(tech, mouse, assay)
    result_for(tech, other, assay, "WT band only")
    url = reverse("colonies:genotyperesult_list")
    page = logged_in.get(f"{url}?zygosity=heterozygous").content.decode()
    assert "H-0001" in page and "H-0002" not in page
    assert reverse("colonies:genotyperesult_detail", args=[result.pk]) in page
    export = logged_in.get(f"{url}?export=csv&mouse=H-0002")
    body = b"".join(export.streaming_content).decode()
    assert "H-0002" in body and "H-0001" not in body and "Wild type" in body
    detail = logged_in.get(reverse("colonies:genotyperesult_detail", args=[result.pk])).content.decode()
    void_url = reverse("colonies:genotyperesult_void", args=[result.pk])
    assert void_url in detail
    assert logged_in.post(void_url, {"reason": ""}).status_code == 200
    response = logged_in.post(void_url, {"reason": "tube swapped"})
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.void_reason == "tube swapped"


def test_to_do_list_filters_and_exports(logged_in, centre):
    today = timezone.localdate()
    colony = ColonyFactory(centre=centre, name="PAX6-A")
    MouseFactory(centre=centre, colony=colony, specimen_id="H-OLD", date_of_birth=today - dt.timedelta(days=20))
    MouseFactory(centre=centre, specimen_id="H-YOUNG", date_of_birth=today - dt.timedelta(days=5))
    url = reverse("colonies:genotyping_todo")
    page = logged_in.get(f"{url}?colony=pax6-a").content.decode()
    assert "H-OLD" in page and "H-YOUNG" not in page
    page = logged_in.get(f"{url}?due=false").content.decode()
    assert "H-YOUNG" in page and "H-OLD" not in page
    export = logged_in.get(f"{url}?export=xlsx")
    assert export.status_code == 200 and "to-be-genotyped-" in export["Content-Disposition"]
    csv = b"".join(logged_in.get(f"{url}?export=csv").streaming_content).decode()
    assert csv.splitlines()[1].startswith("H-OLD,PAX6-A,Female,") and ",20,yes," in csv.splitlines()[1]


def test_other_centre_is_404_and_read_only_is_403(client, outsider, readonly, tech, mouse, assay):
    result = result_for(tech, mouse, assay)
    client.force_login(outsider)
    assert client.get(reverse("colonies:assay_detail", args=[assay.pk])).status_code == 404
    assert client.get(reverse("colonies:genotyperesult_detail", args=[result.pk])).status_code == 404
    assert client.post(reverse("colonies:genotyperesult_void", args=[result.pk]),
                       {"reason": "x"}).status_code == 404
    assert client.post(reverse("colonies:zygosityrule_delete", args=[assay.rules.first().pk])).status_code == 404
    assert "H-0001" not in client.get(reverse("colonies:genotyperesult_list")).content.decode()
    client.force_login(readonly)
    assert client.get(reverse("colonies:genotyperesult_list")).status_code == 200
    assert client.get(reverse("colonies:genotyperesult_create")).status_code == 403
    assert client.get(reverse("colonies:assay_create")).status_code == 403
    assert client.post(reverse("colonies:zygosityrule_delete", args=[assay.rules.first().pk])).status_code == 403
    assert client.post(reverse("colonies:genotyperesult_void", args=[result.pk]), {"reason": "x"}).status_code == 403
    assert 'name="zygosity"' not in client.get(reverse("colonies:assay_detail", args=[assay.pk])).content.decode()


@pytest.mark.parametrize("name", ["genotyperesult_list", "genotyping_todo", "assay_list"])
def test_list_pages_pin_queries(logged_in, tech, centre, assay, name, django_assert_max_num_queries):
    for _ in range(8):
        result_for(tech, MouseFactory(centre=centre), assay)
        MouseFactory(centre=centre)
        GenotypingAssayFactory(centre=centre)
    with django_assert_max_num_queries(12):
        response = logged_in.get(reverse(f"colonies:{name}"))
    assert response.status_code == 200
