"""Genotyping through the API: record (mouse by specimen ID or id, sample existing or new), field errors, filters,
updated_since, history, void, the assay's nested rules, the rule table, scoping, read-only users and query pins."""
import datetime as dt

import pytest
from django.utils import timezone

from colonies.models import GenotypeResult, GenotypingSample, ZygosityRule
from tests.colonies.helpers import PAX6_RULES
from tests.factories import (
    GenotypingAssayFactory,
    GenotypingSampleFactory,
    MouseFactory,
    ZygosityRuleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mouse(centre):
    return MouseFactory(centre=centre, specimen_id="H-0001")


def post_result(client, **overrides):
    body = {"mouse": "H-0001", "assay": "Pax6 PCR", "call": "both bands", "tested_on": "2026-01-25",
            "sample_id": "TUBE-1", "sample_type": "tail", "collected_on": "2026-01-20", "batch": "plate 3"}
    body.update(overrides)
    return client.post("/api/v1/genotypes/", body)


def test_create_with_a_new_sample_derives_zygosity(auth_client, tech, mouse, assay):
    response = post_result(auth_client(tech))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mouse"] == mouse.pk and body["specimen_id"] == "H-0001" and body["colony"] == mouse.colony.name
    assert body["zygosity"] == "heterozygous" and body["batch"] == "plate 3" and body["centre"] == "H"
    assert (body["sample_id"], body["sample_type"], body["collected_on"]) == ("TUBE-1", "tail", "2026-01-20")
    sample = GenotypingSample.objects.get(sample_id="TUBE-1")
    assert body["sample"] == sample.pk and sample.mouse == mouse


def test_create_with_existing_sample_and_mouse_by_pk(auth_client, tech, mouse, assay):
    sample = GenotypingSampleFactory(mouse=mouse)
    response = auth_client(tech).post("/api/v1/genotypes/", {
        "mouse": mouse.pk, "assay": assay.pk, "call": "mutant band only", "tested_on": "2026-01-25",
        "sample": sample.pk})
    assert response.status_code == 201, response.content
    assert response.json()["zygosity"] == "homozygous" and response.json()["sample"] == sample.pk


def test_zygosity_cannot_be_given_by_the_client(auth_client, tech, mouse, assay):
    response = post_result(auth_client(tech), zygosity="homozygous")
    assert response.status_code == 201 and response.json()["zygosity"] == "heterozygous"


def test_field_errors_are_400_with_the_services_message(auth_client, tech, mouse, assay):
    client = auth_client(tech)
    response = post_result(client, call="faint band")
    assert response.status_code == 400
    assert response.json()["errors"]["call"] == [
        "'faint band' is not a call of assay 'Pax6 PCR'; allowed calls: WT band only, both bands, mutant band only."]
    ZygosityRule.objects.filter(call="mutant band only").delete()
    response = post_result(client, call="mutant band only")
    assert response.json()["errors"]["call"] == [
        "No zygosity rule for call 'mutant band only' of assay 'Pax6 PCR'; add one to the assay's rule table."]
    response = post_result(client, collected_on=None, sample_id="")
    assert response.status_code == 400 and "collected_on" in response.json()["errors"]
    response = post_result(client, mouse="NOPE")
    assert response.status_code == 400 and "mouse" in response.json()["errors"]
    assert not GenotypeResult.objects.exists()


def test_other_centres_mouse_is_not_found_and_their_results_are_404(auth_client, tech, outsider, mouse, assay):
    MouseFactory(centre=outsider.centre, specimen_id="J-0001")
    response = post_result(auth_client(tech), mouse="J-0001")
    assert response.status_code == 400 and "mouse" in response.json()["errors"]
    result_id = post_result(auth_client(tech)).json()["id"]
    client = auth_client(outsider)
    assert client.get(f"/api/v1/genotypes/{result_id}/").status_code == 404
    assert client.get(f"/api/v1/genotypes/{result_id}/history/").status_code == 404
    assert client.post(f"/api/v1/genotypes/{result_id}/void/", {"reason": "not ours at all"}).status_code == 404
    assert client.get(f"/api/v1/genotyping-assays/{assay.pk}/").status_code == 404
    assert client.get(f"/api/v1/zygosity-rules/{assay.rules.first().pk}/").status_code == 404
    assert client.get("/api/v1/genotypes/").json()["count"] == 0


def test_read_only_user_cannot_write(auth_client, readonly, tech, mouse, assay):
    client = auth_client(readonly)
    assert client.get("/api/v1/genotypes/").status_code == 200
    assert post_result(client).status_code == 403
    result_id = post_result(auth_client(tech)).json()["id"]
    assert client.post(f"/api/v1/genotypes/{result_id}/void/", {"reason": "I think it is wrong"}).status_code == 403
    assert client.post("/api/v1/genotyping-assays/", {"name": "X", "allele": "Y", "calls": ["a"]}).status_code == 403
    rule = assay.rules.first()
    assert client.patch(f"/api/v1/zygosity-rules/{rule.pk}/", {"zygosity": "hemizygous"}).status_code == 403
    assert client.delete(f"/api/v1/zygosity-rules/{rule.pk}/").status_code == 403


def test_results_are_not_edited_or_deleted(auth_client, tech, mouse, assay):
    client = auth_client(tech)
    result_id = post_result(client).json()["id"]
    assert client.patch(f"/api/v1/genotypes/{result_id}/", {"call": "WT band only"}).status_code == 405
    assert client.delete(f"/api/v1/genotypes/{result_id}/").status_code == 405


def test_void_and_history(auth_client, tech, mouse, assay):
    client = auth_client(tech)
    first = post_result(client, tested_on="2026-01-25").json()
    wrong = post_result(client, call="mutant band only", tested_on="2026-02-01").json()
    mouse.refresh_from_db()
    assert mouse.zygosity == "homozygous"
    url = f"/api/v1/genotypes/{wrong['id']}/void/"
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"reason": "sample swapped on plate 3"})
    assert response.status_code == 200, response.content
    assert response.json()["voided_at"] and response.json()["void_reason"] == "sample swapped on plate 3"
    mouse.refresh_from_db()
    assert mouse.zygosity == first["zygosity"] == "heterozygous"
    assert client.post(url, {"reason": "sample swapped on plate 3"}).status_code == 409
    history = client.get(f"/api/v1/genotypes/{wrong['id']}/history/").json()
    assert [e["action"] for e in history] == ["colonies.genotyperesult.recorded", "colonies.genotyperesult.voided"]
    assert history[-1]["reason"] == "sample swapped on plate 3" and history[-1]["user"] == "tech"


def test_filters_and_updated_since(auth_client, tech, centre, mouse, assay):
    client = auth_client(tech)
    other = MouseFactory(centre=centre, specimen_id="H-0002")
    post_result(client, tested_on="2026-01-25")
    post_result(client, mouse="H-0002", sample_id="TUBE-2", call="mutant band only", tested_on="2026-02-05")
    cre = GenotypingAssayFactory(centre=centre, name="Cre PCR", allele="Cre", calls=["present"])
    ZygosityRuleFactory(assay=cre, call="present", zygosity="hemizygous")
    post_result(client, mouse="H-0002", assay="Cre PCR", call="present", sample_id="TUBE-2", tested_on="2026-02-06")

    def ids(query):
        response = client.get(f"/api/v1/genotypes/?{query}")
        assert response.status_code == 200, response.content
        return {(r["specimen_id"], r["call"]) for r in response.json()["results"]}

    assert ids("mouse=H-0001") == {("H-0001", "both bands")}
    assert ids(f"mouse={other.pk}") == {("H-0002", "mutant band only"), ("H-0002", "present")}
    assert ids("assay=cre%20pcr") == {("H-0002", "present")}
    assert ids(f"assay={assay.pk}&zygosity=homozygous") == {("H-0002", "mutant band only")}
    assert ids(f"colony={mouse.colony.name}") == {("H-0001", "both bands")}
    assert ids("tested_after=2026-02-01&tested_before=2026-02-05") == {("H-0002", "mutant band only")}
    cut = timezone.now()
    GenotypeResult.objects.filter(call="present").update(updated_at=cut + dt.timedelta(seconds=5))
    since = (cut + dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"updated_since={since}") == {("H-0002", "present")}


def test_assay_api_nests_rules_and_the_rule_table_is_editable(auth_client, tech, centre, mouse, assay):
    client = auth_client(tech)
    response = client.get(f"/api/v1/genotyping-assays/{assay.pk}/")
    assert {(r["call"], r["zygosity"]) for r in response.json()["rules"]} == set(PAX6_RULES.items())
    created = client.post("/api/v1/genotyping-assays/", {"name": "Cre PCR", "allele": "Cre",
                                                         "calls": [" present ", "absent"]})
    assert created.status_code == 201, created.content
    assert created.json()["calls"] == ["present", "absent"] and created.json()["rules"] == []
    bad = client.post("/api/v1/genotyping-assays/", {"name": "Empty", "allele": "X", "calls": []})
    assert bad.status_code == 400 and "calls" in bad.json()["errors"]
    rule = client.post("/api/v1/zygosity-rules/", {"assay": "Cre PCR", "call": "present", "zygosity": "hemizygous"})
    assert rule.status_code == 201, rule.content
    wrong = client.post("/api/v1/zygosity-rules/", {"assay": "Cre PCR", "call": "maybe", "zygosity": "hemizygous"})
    assert wrong.status_code == 400 and "call" in wrong.json()["errors"]
    again = client.post("/api/v1/zygosity-rules/", {"assay": "Cre PCR", "call": "present", "zygosity": "homozygous"})
    assert again.status_code == 400
    assert again.json()["errors"]["call"] == ["Assay 'Cre PCR' already has a rule for call 'present'; change that one."]
    both = assay.rules.get(call="both bands")
    assert client.patch(f"/api/v1/zygosity-rules/{both.pk}/", {"zygosity": "hemizygous"}).status_code == 200
    assert post_result(client).json()["zygosity"] == "hemizygous"  # the next result follows the edited table
    assert client.delete(f"/api/v1/zygosity-rules/{both.pk}/").status_code == 204
    assert post_result(client, sample_id="TUBE-9").json()["errors"]["call"][0].startswith("No zygosity rule")


@pytest.mark.parametrize(("route", "budget"), [("genotypes", 5), ("genotyping-assays", 5), ("zygosity-rules", 5)])
def test_list_endpoints_pin_queries(auth_client, tech, centre, route, budget, django_assert_max_num_queries):
    for n in range(6):
        assay = GenotypingAssayFactory(centre=centre)
        ZygosityRuleFactory(assay=assay, call="both bands")
        ZygosityRuleFactory(assay=assay, call="WT band only", zygosity="wild type")
        mouse = MouseFactory(centre=centre)
        sample = GenotypingSampleFactory(mouse=mouse)
        GenotypeResult.objects.create(centre=centre, sample=sample, mouse=mouse, assay=assay, call="both bands",
                                      zygosity="heterozygous", tested_on=dt.date(2026, 1, 25))
    client = auth_client(tech)
    with django_assert_max_num_queries(budget):
        response = client.get(f"/api/v1/{route}/")
    assert response.status_code == 200 and response.json()["count"] >= 6
