"""Acceptance: every sample the MANIFEST marks valid imports and re-exports unchanged.

Each valid sample is imported into a database holding only the reference data (centres, strains, the IMPReSS IMPC_001
definition), with the import's create options on, as a centre moving its history in would run it. What was imported
is written back with the project's writers, the output is validated with the official XSDs (xmlschema, not the
lxml validator the code itself uses), and every record of the input (mouse, embryo, experiment, line, housing) is
compared with the output as a canonical tree: element names, every attribute, every text, every child, in any
order the XSD allows. Nothing may be missing, added or changed.

Two kinds of sample need a word:
- The DCC's example experiment files come without their specimens. Their mice (and the colonies their `<line>`
  blocks name) are registered first, as already in the LIMS, exactly as a centre imports its specimen files
  before its experiment files.
- The two samples the MANIFEST labels "semantic-validator negative test (repeated parameters)" repeat a
  parameter inside one experiment; the DCC's validator rejects that, so the importer keeps the first copy and
  reports each repeat with the DCC rule's name. Everything else in them must round-trip like any other file.
"""
from collections import Counter
from datetime import date

import pytest
from lxml import etree

from colonies.models import Colony, Mouse
from lims.models import Centre, Strain
from procedures.dcc.importer import import_files
from procedures.dcc.xml import PROCEDURE_NS, SPECIMEN_NS, write_experiment_file, write_specimen_file
from procedures.models import Experiment, Housing, LineExperiment
from tests.dcc.samples import companion_specimen_files, path_of, valid_entries
from tests.dcc.pins import check_pinned_sha256
from tests.factories import ColonyFactory, MouseFactory

XSI = "http://www.w3.org/2001/XMLSchema-instance"
REPEATED = "repeated parameters"
CREATE_ALL = {"create_colonies": True, "create_strains": True, "create_parameters": True}


def _local(element) -> str:
    return etree.QName(element).localname


def canonical(element) -> tuple:
    """An element as a hashable tree: name, attributes (xsi ones aside), stripped text, sorted children."""
    attributes = tuple(sorted((etree.QName(k).localname, v) for k, v in element.attrib.items()
                              if etree.QName(k).namespace != XSI))
    children = tuple(sorted(canonical(c) for c in element if isinstance(c.tag, str)))
    return _local(element), attributes, (element.text or "").strip(), children


def records(tree) -> Counter:
    """Every record of a document with the attributes of the `<centre>` block it sits in, as a multiset."""
    found = Counter()
    for centre in tree.getroot():
        if not isinstance(centre.tag, str):
            continue
        block = tuple(sorted(centre.attrib.items()))
        for record in centre:
            if isinstance(record.tag, str):
                found[(block, canonical(record))] += 1
    return found


def without_repeats(tree) -> int:
    """Remove the 2nd and later copies of a parameter inside one procedure; return how many were removed.

    A copy is a repeat when both its parameterID and its sequenceID match an earlier one's, as the importer (and
    the DCC's checkRepeatedParameters) key them: a repeated `procedureMetadata` with distinct sequenceIDs is data.
    """
    removed = 0
    for procedure in tree.iter(f"{{{PROCEDURE_NS}}}procedure"):
        seen = set()
        for child in list(procedure):
            if not isinstance(child.tag, str) or child.get("parameterID") is None:
                continue
            ident = (child.get("parameterID"), (child.get("sequenceID") or "").strip())
            if ident in seen:
                procedure.remove(child)
                removed += 1
            seen.add(ident)
    return removed


def _diff(expected: Counter, got: Counter) -> str:
    missing, extra = expected - got, got - expected
    return f"\nmissing from the export:\n{list(missing)[:2]}\nadded or changed in the export:\n{list(extra)[:2]}"


def _seed_existing(path, companions: list) -> None:
    """Register the mice and line colonies an experiment file names that its companion files do not bring."""
    brought = set()
    for companion in companions:
        for specimen in etree.parse(str(companion)).iter(f"{{{SPECIMEN_NS}}}mouse", f"{{{SPECIMEN_NS}}}embryo"):
            brought.add(specimen.get("specimenID"))
    strain = Strain.objects.get(mgi_id="MGI:2164831")
    seen = set()
    for centre_el in etree.parse(str(path)).getroot():
        if not isinstance(centre_el.tag, str):
            continue
        centre = Centre.objects.get(code__iexact=centre_el.get("centreID"))
        for record in centre_el:
            if not isinstance(record.tag, str):
                continue
            if _local(record) == "line" and not Colony.objects.filter(centre=centre,
                                                                       name=record.get("colonyID")).exists():
                ColonyFactory(centre=centre, name=record.get("colonyID"))
            for specimen in record.iter(f"{{{PROCEDURE_NS}}}specimenID"):
                if specimen.text in brought or (centre.pk, specimen.text) in seen:
                    continue
                seen.add((centre.pk, specimen.text))
                MouseFactory(centre=centre, specimen_id=specimen.text, colony=None, is_baseline=True,
                             zygosity="wild type", strain=strain, date_of_birth=date(2000, 1, 1))


def _unmapped(report) -> list:
    return [p for p in report.problems if p.kind != "warning"]


@pytest.mark.parametrize("entry", valid_entries())
def test_valid_sample_imports_and_exports_unchanged(entry, importer_user, tmp_path, official_schemas):
    path = path_of(entry)
    if entry["root_element"] == "centreSpecimenSet":
        report = import_files([path], actor=importer_user, **CREATE_ALL)
        assert not report.refused_files and not _unmapped(report), [str(p) for p in _unmapped(report)]
        out = tmp_path / "specimens.xml"
        write_specimen_file(out, Mouse.objects.filter(pk__in=report.mice))
        assert official_schemas["specimen"].is_valid(str(out)), official_schemas["specimen"].validate(str(out))
        check_pinned_sha256(entry["file"], out)
        expected, got = records(etree.parse(str(path))), records(etree.parse(str(out)))
        assert expected == got, _diff(expected, got)
        return

    companions = companion_specimen_files(entry)
    _seed_existing(path, companions)
    report = import_files([*companions, path], actor=importer_user, **CREATE_ALL)
    assert not report.refused_files
    source = etree.parse(str(path))
    repeats = without_repeats(source)
    expected = records(source)
    unmapped = _unmapped(report)
    if REPEATED in entry.get("kind", ""):
        assert repeats and len(unmapped) == repeats, [str(p) for p in unmapped]
        assert all("checkRepeatedParameters" in p.reason for p in unmapped)
    else:
        assert repeats == 0 and not unmapped, [str(p) for p in unmapped]

    if not expected:  # only empty <centre> blocks (instance1.xml): nothing to keep, and no document to write
        assert not (report.experiments or report.line_experiments or report.housings)
        return
    out = tmp_path / "experiments.xml"
    write_experiment_file(out, Experiment.objects.filter(pk__in=report.experiments),
                          lines=LineExperiment.objects.filter(pk__in=report.line_experiments),
                          housing=Housing.objects.filter(pk__in=report.housings))
    assert official_schemas["experiment"].is_valid(str(out)), official_schemas["experiment"].validate(str(out))
    check_pinned_sha256(entry["file"], out)
    got = records(etree.parse(str(out)))
    assert expected == got, _diff(expected, got)
