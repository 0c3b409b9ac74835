"""DCC file names, increments, zips and delivery (dcc-format.md §2)."""
import datetime as dt

import pytest

from procedures.dcc.delivery import LocalBackend
from procedures.dcc.exceptions import ExportError
from procedures.dcc.models import FileIncrement
from procedures.dcc.packaging import MAX_INCREMENT, allocate_increments, dcc_names, sha256_of, write_zip
from tests.dcc.helpers import CRAWLER_XML_RE, CRAWLER_ZIP_RE, read_zip

DAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize("kind", ["specimen", "experiment"])
@pytest.mark.parametrize("code", ["H", "J", "Wtsi", "Ccpcz"])
def test_names_match_the_crawler_patterns(code, kind):
    names = dcc_names(centre_code=code, day=DAY, increment=12, kind=kind)

    assert names.xml == f"{code}.2026-03-02.12.{kind}.impc.xml"
    assert names.zip == f"{code}.2026-03-02.12.impc.zip"
    assert CRAWLER_XML_RE.fullmatch(names.xml).group(6) == kind
    assert CRAWLER_ZIP_RE.fullmatch(names.zip)


def test_names_the_crawler_would_refuse_are_refused():
    with pytest.raises(ExportError):
        dcc_names(centre_code="H", day=DAY, increment=MAX_INCREMENT + 1, kind="specimen")
    with pytest.raises(ExportError):
        dcc_names(centre_code="Bad-Code", day=DAY, increment=1, kind="specimen")


def test_increments_continue_per_centre_and_day(centre, other_centre):
    assert allocate_increments(centre=centre, day=DAY, count=2) == [1, 2]
    assert allocate_increments(centre=centre, day=DAY, count=1) == [3]
    assert allocate_increments(centre=other_centre, day=DAY, count=1) == [1]
    assert allocate_increments(centre=centre, day=DAY + dt.timedelta(days=1), count=1) == [1]
    assert allocate_increments(centre=centre, day=DAY, count=0) == []
    assert FileIncrement.objects.get(centre=centre, day=DAY).last == 3


def test_increments_run_out_rather_than_wrap(centre):
    FileIncrement.objects.create(centre=centre, day=DAY, last=MAX_INCREMENT - 1)
    assert allocate_increments(centre=centre, day=DAY, count=1) == [MAX_INCREMENT]
    with pytest.raises(ExportError):
        allocate_increments(centre=centre, day=DAY, count=1)


def test_zip_holds_the_xml_at_its_root_under_its_dcc_name(tmp_path):
    xml = tmp_path / "work" / "specimen.xml"
    xml.parent.mkdir()
    xml.write_text("<x/>")
    names = dcc_names(centre_code="H", day=DAY, increment=1, kind="specimen")

    write_zip(xml_path=xml, xml_name=names.xml, zip_path=tmp_path / names.zip)

    assert read_zip(tmp_path / names.zip) == (names.xml, b"<x/>")


def test_local_delivery_copies_under_the_final_name_and_knows_its_checksum(tmp_path):
    source = tmp_path / "H.2026-03-02.1.impc.zip"
    source.write_bytes(b"zip")
    backend = LocalBackend(tmp_path / "outbox" / "H")
    assert backend.checksum("add", source.name) is None

    final = backend.put(source, "add", source.name)

    out = tmp_path / "outbox" / "H" / "add"
    assert final == str(out / source.name)
    assert (out / source.name).read_bytes() == b"zip"
    assert sorted(p.name for p in out.iterdir()) == [source.name]  # no .part left behind
    assert backend.checksum("add", source.name) == sha256_of(source)
