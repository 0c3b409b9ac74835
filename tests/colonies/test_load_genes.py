import pytest
from django.core.management import CommandError, call_command

from lims.models import Gene

HEADER = ("MGI Accession ID\tChr\tcM Position\tgenome coordinate start\tgenome coordinate end\tstrand\t"
          "Marker Symbol\tStatus\tMarker Name\tMarker Type\tFeature Type\tMarker Synonyms (pipe-separated)\n")


def _write(tmp_path, rows):
    path = tmp_path / "MRK_List2.rpt"
    path.write_text(HEADER + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_loads_official_genes_and_updates_on_reload(tmp_path):
    rows = [
        ["MGI:97490", "2", "", "", "", "+", "Pax6", "O", "paired box 6", "Gene", "protein coding gene", ""],
        ["MGI:98834", "11", "", "", "", "+", "Trp53", "O", "transformation related protein 53", "Gene", "", ""],
        ["MGI:1", "1", "", "", "", "", "Old1", "W", "withdrawn", "Gene", "", ""],
        ["MGI:2", "1", "", "", "", "", "Qtl1", "O", "a QTL", "QTL", "", ""],
    ]
    call_command("load_genes", str(_write(tmp_path, rows)), verbosity=0)
    assert set(Gene.objects.values_list("symbol", flat=True)) == {"Pax6", "Trp53"}
    rows[0][8] = "paired box 6 (renamed)"
    call_command("load_genes", str(_write(tmp_path, rows)), verbosity=0)
    assert Gene.objects.count() == 2
    assert Gene.objects.get(mgi_id="MGI:97490").name == "paired box 6 (renamed)"


@pytest.mark.django_db
def test_refuses_a_file_that_is_not_a_marker_report(tmp_path):
    path = tmp_path / "genes.tsv"
    path.write_text("symbol\tid\nPax6\tMGI:97490\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("load_genes", str(path))
    assert not Gene.objects.exists()
