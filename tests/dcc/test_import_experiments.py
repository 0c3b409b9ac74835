"""The experiment side of the DCC round trip: every `<experiment>`, `<line>` and `<housing>` of every valid sample
experiment file imports (its mice and line colonies already in the LIMS, unknown procedures and parameters
registered with `create_parameters`) and comes back out of `write_experiment_file` the same, element by element.

The comparison is of whole elements (tag, attributes, text, children, in order), parsed from the sample and from
the export, so any attribute, parameter kind, value, increment, status, term or media field that is lost or
changed fails the test. The only thing allowed to differ is what the DCC itself refuses: the repeated copies of a
parameter in one experiment, which must be reported at their line instead.
"""
import io
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from lxml import etree

from colonies.models import Colony
from lims.models import Centre, Strain
from procedures.dcc.importer import import_files
from procedures.dcc.xml import PROCEDURE_NS, write_experiment_file
from procedures.models import (
    Experiment,
    Housing,
    LineExperiment,
    Parameter,
    Pipeline,
    Procedure,
    ScheduledTest,
    Source,
)
from procedures.services import EnteredValue, experiment_record, mice_enrol
from tests.dcc.samples import manifest_entries, path_of
from tests.factories import ColonyFactory, MouseFactory


def _experiment_samples():
    entries = [e for e in manifest_entries()
               if e["xsd_result"] == "PASS" and e.get("root_element") == "centreProcedureSet"]
    return [pytest.param(e, id=e["file"].split("/", 1)[0] + ":" + e["file"].rsplit("/", 1)[-1]) for e in entries] or [
        pytest.param(None, marks=pytest.mark.skip(reason="no MANIFEST"))]




def _local(el) -> str:
    return etree.QName(el).localname


def _canon(el) -> tuple:
    """An element as a comparable value: name, attributes, stripped text, children in order (comments ignored)."""
    return (_local(el), tuple(sorted((etree.QName(k).localname, v) for k, v in el.attrib.items())),
            (el.text or "").strip(),
            tuple(_canon(c) for c in el if isinstance(c.tag, str)))


def _seed(path) -> None:
    """The file's mice as the centre's existing baselines, and the colonies its <line>s name (as gaps2.py does)."""
    strain = Strain.objects.get(mgi_id="MGI:2164831")
    tree = etree.parse(str(path))
    seen = set()
    for e in tree.iter(f"{{{PROCEDURE_NS}}}experiment"):
        centre = Centre.objects.filter(code__iexact=e.getparent().get("centreID")).first()
        for specimen in (s.text for s in e if _local(s) == "specimenID"):
            if centre is None or (centre.pk, specimen) in seen:
                continue
            seen.add((centre.pk, specimen))
            MouseFactory(centre=centre, specimen_id=specimen, colony=None, is_baseline=True, zygosity="wild type",
                         strain=strain, date_of_birth=date(2000, 1, 1))
    for line in tree.iter(f"{{{PROCEDURE_NS}}}line"):
        centre = Centre.objects.filter(code__iexact=line.getparent().get("centreID")).first()
        if centre is not None and not Colony.objects.filter(name__iexact=line.get("colonyID")).exists():
            ColonyFactory(centre=centre, name=line.get("colonyID"))


def _without_repeats(record, repeated_lines: set[int]):
    """A copy of an experiment/line whose procedure lacks the repeated copies of a parameter (same parameterID and
    sequenceID as an earlier one): the DCC refuses them, so they are reported, not imported."""
    for procedure in (c for c in record if isinstance(c.tag, str) and _local(c) == "procedure"):
        seen = set()
        for child in list(procedure):
            if not isinstance(child.tag, str):
                continue
            ident = (child.get("parameterID"), child.get("sequenceID"))
            if ident in seen:
                repeated_lines.add(child.sourceline)
                procedure.remove(child)
            seen.add(ident)
    return record


def _records(path, *, drop_repeats: bool = False) -> tuple[Counter, set[int]]:
    """Every housing, line and experiment of a document with its <centre> attributes, as a multiset."""
    repeated: set[int] = set()
    found: Counter = Counter()
    for centre in etree.parse(str(path)).getroot():
        if not isinstance(centre.tag, str):
            continue
        block = tuple(sorted(centre.attrib.items()))
        for record in centre:
            if not isinstance(record.tag, str):
                continue
            if drop_repeats:
                record = _without_repeats(record, repeated)
            found[(block, _canon(record))] += 1
    return found, repeated


def _diff(given: Counter, written: Counter) -> str:
    missing, extra = given - written, written - given
    return f"\nmissing from the export: {list(missing)[:2]}\nexported but not given: {list(extra)[:2]}"


def _sample(name: str):
    for param in _experiment_samples():
        entry = param.values[0]
        if entry and entry["file"].endswith(name):
            return entry
    pytest.skip(f"no sample {name}")


def test_reimport_matches_and_creates_nothing(importer_user):
    path = path_of(_sample("multiple_repeats.experiment.impc.xml"))
    _seed(path)
    first = import_files([path], actor=importer_user, create_parameters=True)
    count = Experiment.objects.count()
    again = import_files([path], actor=importer_user, create_parameters=True)
    assert first.counts["experiment"]["created"] == count > 0
    assert again.counts["experiment"] == {"matched": count} and Experiment.objects.count() == count


def test_historical_findings_are_warnings_and_values_kept_verbatim(importer_user):
    """Legacy ESLIM status codes and empty values are imported as they are, each with a warning."""
    path = path_of(_sample("multiple_repeats.experiment.impc.xml"))
    _seed(path)
    report = import_files([path], actor=importer_user, create_parameters=True)
    warnings = [p.reason for p in report.problems if p.kind == "warning"]
    assert any("[emptyValue]" in w for w in warnings)
    assert any("IMPReSS says" in w and "kept as sent" in w for w in warnings)
    empty = Experiment.objects.get(dcc_experiment_id="eer").values.get(parameter__key="IMPC_GRS_004_001")
    assert (empty.value, empty.status_code, empty.kind) == ("", "", "simpleParameter")

    legacy = path_of(_sample("EuroSpecimenExperiment-experiments2.xml"))
    _seed(legacy)
    report = import_files([legacy], actor=importer_user, create_parameters=True)
    assert report.counts["experiment"]["created"] == 1
    codes = [p for p in report.problems if "[parameterStatusCode]" in p.reason]
    assert codes and all(p.kind == "warning" for p in codes)
    experiment = Experiment.objects.get(pk=report.experiments[0])
    assert experiment.values.filter(status_code__startswith="ESLIM_").exists()


def test_without_the_create_flag_unknown_procedures_are_reported(importer_user):
    path = path_of(_sample("IMPC_ACS_001.xml"))
    _seed(path)
    report = import_files([path], actor=importer_user)
    assert any("not in the IMPReSS reference" in p.reason and p.kind == "experiment" for p in report.problems)
    assert not Procedure.objects.filter(source=Source.IMPORT).exists() and not Experiment.objects.exists()


def test_imported_procedure_is_flagged_and_never_scheduled(importer_user):
    path = path_of(_sample("IMPC_ACS_001.xml"))
    _seed(path)
    report = import_files([path], actor=importer_user, create_parameters=True)
    assert report.counts["experiment"]["created"] == 1
    procedure = Procedure.objects.get(key="IMPC_ACS_001")
    assert procedure.source == Source.IMPORT
    assert set(procedure.parameters.values_list("source", flat=True)) == {Source.IMPORT}
    assert procedure.parameters.filter(type=Parameter.Type.SIMPLE).exists()

    pipeline = procedure.pipeline
    mouse = MouseFactory(centre=Centre.objects.get(code="H"), date_of_birth=date.today() - timedelta(weeks=3))
    mice_enrol(mice=[mouse], pipeline=pipeline, actor=importer_user)
    scheduled = set(ScheduledTest.objects.filter(mouse=mouse).values_list("procedure__key", flat=True))
    assert scheduled and "IMPC_ACS_001" not in scheduled
    assert not ScheduledTest.objects.filter(procedure__source=Source.IMPORT).exists()


def test_unknown_pipeline_is_registered_as_imported(importer_user):
    path = path_of(_sample("EuroSpecimenExperiment-experiments4.xml"))
    pipeline_key = etree.parse(str(path)).getroot()[0].get("pipeline")
    assert not Pipeline.objects.filter(key=pipeline_key).exists()
    _seed(path)
    report = import_files([path], actor=importer_user, create_parameters=True)
    assert report.counts["experiment"]["created"] == 1
    assert Pipeline.objects.get(key=pipeline_key).source == Source.IMPORT
    assert any(p.kind == "warning" and pipeline_key in p.reason for p in report.problems)


# --- bench entry keeps today's rules --------------------------------------------------------------------------


def test_bench_entry_still_refuses_a_missing_required_parameter_and_a_legacy_status(importer_user):
    procedure = Procedure.objects.get(key="IMPC_BWT_001", pipeline__key="IMPC_001")
    required = procedure.parameters.filter(required=True, derived=False)
    assert required.exists()
    mouse = MouseFactory(centre=Centre.objects.get(code="H"), date_of_birth=date.today() - timedelta(weeks=10))
    complete = {p.key: [EnteredValue(status_code="IMPC_PARAMSC_005:not done")] for p in required}
    some = required.first()
    missing = {k: v for k, v in complete.items() if k != some.key}
    with pytest.raises(ValidationError) as refused:
        experiment_record(mouse=mouse, procedure=procedure, date_of_experiment=date.today(), values=missing,
                          actor=importer_user)
    assert some.key in refused.value.message_dict
    legacy = {**complete, some.key: [EnteredValue(status_code="ESLIM_001_001_001")]}
    with pytest.raises(ValidationError) as refused:
        experiment_record(mouse=mouse, procedure=procedure, date_of_experiment=date.today(), values=legacy,
                          actor=importer_user)
    assert some.key in refused.value.message_dict
    assert not Experiment.objects.exists()


def _preflight_messages(experiments) -> list[str]:
    from procedures.dcc.ledger import Plan, PlannedRecord
    from procedures.dcc.models import SubmissionRecord
    from procedures.dcc.preflight import preflight

    plan = Plan(records=[PlannedRecord(SubmissionRecord.Kind.EXPERIMENT, e.pk, "", "") for e in experiments])
    return [f["message"] for f in preflight(centre=experiments[0].centre, plan=plan)]


def test_preflight_reports_what_the_import_kept_against_todays_rules(importer_user):
    """Imported as it was, but not resubmitted unnoticed: the pre-flight names each departure from the rules."""
    legacy = path_of(_sample("EuroSpecimenExperiment-experiments2.xml"))
    _seed(legacy)
    report = import_files([legacy], actor=importer_user, create_parameters=True)
    messages = _preflight_messages(list(Experiment.objects.filter(pk__in=report.experiments)))
    assert any("is not an IMPC_PARAMSC parameter status code" in m for m in messages)
    assert any("is not an IMPReSS procedure" in m for m in messages)
    assert any("is not an IMPReSS parameter" in m for m in messages)

    repeats = path_of(_sample("multiple_repeats.experiment.impc.xml"))
    _seed(repeats)
    report = import_files([repeats], actor=importer_user, create_parameters=True)
    messages = _preflight_messages(list(Experiment.objects.filter(pk__in=report.experiments)))
    assert any("was sent as simpleParameter; IMPReSS says series" in m for m in messages)
    # The file lacks only IMPC_GRS_014_001, which IMPReSS no longer requires (2020 definition).
    assert not any("Required parameters missing" in m for m in messages)
    assert any("has neither a value nor a status code" in m for m in messages)


#: What the samples do not show but the XSD allows: ontology terms, media samples, media with links, nested
#: metadata and associations, parameters with sequenceIDs, an element with neither value nor status, a value and a
#: status together, procedure status codes with dates on an experiment and a line, a line sequenceID, housing
#: without lastUpdated.
EVERY_KIND = """<?xml version="1.0" encoding="UTF-8"?>
<centreProcedureSet xmlns="{ns}">
  <centre centreID="H" pipeline="IMPC_001" project="BaSH">
    <housing fromLIMS="false"><procedure procedureID="IMPC_HOU_001">
      <simpleParameter parameterID="IMPC_HOU_900_001"><value>12:12</value></simpleParameter>
    </procedure></housing>
    <line colonyID="H-LINE-9" sequenceID="2">
      <procedure procedureID="IMPC_FER_001">
        <simpleParameter parameterID="IMPC_FER_001_001"><value>3</value></simpleParameter>
      </procedure>
      <statusCode date="2019-04-01">IMPC_PSC_015:late</statusCode>
    </line>
    <experiment experimentID="X-1" dateOfExperiment="2019-03-01+01:00" sequenceID="3">
      <specimenID>WT-9</specimenID>
      <procedure procedureID="IMPC_PAT_002">
        <simpleParameter parameterID="IMPC_PAT_900_001" unit="mm" sequenceID="1"><value>1</value></simpleParameter>
        <simpleParameter parameterID="IMPC_PAT_900_001" unit="mm" sequenceID="2"><value>2</value></simpleParameter>
        <simpleParameter parameterID="IMPC_PAT_901_001"/>
        <simpleParameter parameterID="IMPC_PAT_902_001"><value>7</value><parameterStatus>IMPC_PARAMSC_006:x</parameterStatus></simpleParameter>
        <ontologyParameter parameterID="IMPC_PAT_903_001" sequenceID="1">
          <term>MP:0000001</term><term>MA:0000002</term><parameterStatus>IMPC_PARAMSC_006</parameterStatus>
        </ontologyParameter>
        <seriesParameter parameterID="IMPC_PAT_904_001" unit="s">
          <value incrementValue="2">0.5</value><value incrementValue="1" incrementStatus="IMPC_PARAMSC_001"/>
        </seriesParameter>
        <mediaParameter parameterID="IMPC_PAT_905_001" URI="ftp://x/a.png" fileType="image/png" link="http://x/a">
          <parameterStatus>IMPC_PARAMSC_006</parameterStatus>
          <parameterAssociation parameterID="IMPC_PAT_903_001" sequenceID="1" link="http://x/r">
            <dim id="x" origin="topleft">1.5</dim><dim id="y" origin="topleft" unit="px">2</dim>
          </parameterAssociation>
          <procedureMetadata parameterID="IMPC_PAT_906_001"><value>Nikon</value></procedureMetadata>
        </mediaParameter>
        <mediaSampleParameter parameterID="IMPC_PAT_907_001">
          <mediaSample localId="block-1">
            <mediaSection localId="slide-1">
              <mediaFile localId="f1" URI="ftp://x/f1.tif" fileType="image/tiff">
                <procedureMetadata parameterID="IMPC_PAT_906_001" sequenceID="4">
                  <parameterStatus>IMPC_PARAMSC_005</parameterStatus>
                </procedureMetadata>
                <parameterAssociation parameterID="IMPC_PAT_903_001"/>
              </mediaFile>
              <mediaFile localId="f2" URI="ftp://x/f2.tif" fileType="image/tiff" link="http://x/f2"/>
            </mediaSection>
          </mediaSample>
          <parameterStatus>IMPC_PARAMSC_006</parameterStatus>
        </mediaSampleParameter>
        <seriesMediaParameter parameterID="IMPC_PAT_908_001">
          <value incrementValue="ventral" URI="ftp://x/v.jpg"/>
          <parameterStatus>IMPC_PARAMSC_006</parameterStatus>
          <procedureMetadata parameterID="IMPC_PAT_906_001"><value>Faxitron</value></procedureMetadata>
        </seriesMediaParameter>
        <procedureMetadata parameterID="IMPC_PAT_909_001" sequenceID="1"><parameterStatus>ESLIM_001</parameterStatus><value>v</value></procedureMetadata>
      </procedure>
      <statusCode date="2019-03-02">IMPC_PSC_015:partial</statusCode>
      <statusCode>IMPC_PSC_013</statusCode>
    </experiment>
  </centre>
</centreProcedureSet>
""".format(ns=PROCEDURE_NS)


def test_every_xsd_structure_round_trips(importer_user, tmp_path, official_schemas):
    path = tmp_path / "every-kind.xml"
    path.write_text(EVERY_KIND)
    official_schemas["experiment"].validate(str(path))
    centre = Centre.objects.get(code="H")
    ColonyFactory(centre=centre, name="H-LINE-9")
    MouseFactory(centre=centre, specimen_id="WT-9", colony=None, is_baseline=True, zygosity="wild type",
                 strain=Strain.objects.get(mgi_id="MGI:2164831"), date_of_birth=date(2018, 1, 1))
    report = import_files([path], actor=importer_user, create_parameters=True, line_date=date(2019, 4, 1))
    assert not [str(p) for p in report.problems if p.kind != "warning"]
    assert (report.counts["experiment"]["created"], report.counts["line"]["created"],
            report.counts["housing"]["created"]) == (1, 1, 1)
    out = tmp_path / "out.xml"
    result = write_experiment_file(out, Experiment.objects.all(), lines=LineExperiment.objects.all(),
                                   housing=Housing.objects.all())
    assert not result.problems
    official_schemas["experiment"].validate(str(out))
    given, written = _records(path)[0], _records(out)[0]
    assert written == given, _diff(given, written)
    experiment = Experiment.objects.get()
    assert experiment.experiment_id == "X-1" and experiment.sequence_id == "3"
    ontology = experiment.values.get(kind="ontologyParameter")
    assert ontology.terms == ["MP:0000001", "MA:0000002"] and ontology.parameter.type == Parameter.Type.ONTOLOGY


def test_command_create_parameters_exits_zero_when_there_are_only_warnings(importer_user):
    path = path_of(_sample("IMPC_ACS_001.xml"))
    _seed(path)
    out = io.StringIO()
    call_command("dcc_import", str(path), "--create-parameters", user="importer", stdout=out)
    text = out.getvalue()
    assert "experiment: 1 created" in text and "procedure: 1 registered" in text
    assert ": warning " in text and Experiment.objects.get().procedure.source == Source.IMPORT
