"""Cage cards: every field on the print page, a QR code a phone can read (decoded from the page's own SVG and from
the PDF's own drawing), a valid PDF holding the cage ID, other centres' cages 404, and a 20-card sheet in a fixed
number of queries."""
import base64
import datetime as dt
import html
import io
import re
import zlib

import pytest
import zxingcpp
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from reportlab.pdfbase.pdfmetrics import stringWidth

from colonies.husbandry.cards import cage_cards, qr_png, wrap
from colonies.models import Cage, ColonySettings, Mouse, MouseAllele
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    ColonyFactory,
    LitterFactory,
    MatingFactory,
    MatingFemaleFactory,
    MouseFactory,
    RackFactory,
    RoomFactory,
    StrainFactory,
)

pytestmark = pytest.mark.django_db


# --- Reading a QR code back, as a phone would ---------------------------------------------------------------------


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def svg_to_image(svg: str, scale: int = 8) -> Image.Image:
    """Rasterise segno's SVG path (absolute `M`, relative `m` moves and `h` runs of unit-height modules)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, args in re.findall(r"([Mmh])([^Mmh]*)", path):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            row = int(y)  # the stroke is 1 wide, centred on y = row + .5
            draw.rectangle([x * scale, row * scale, (x + numbers[0]) * scale - 1, (row + 1) * scale - 1], fill=0)
            x += numbers[0]
    return image


def pdf_streams(pdf: bytes) -> list[bytes]:
    """Every stream of a PDF, decoded (reportlab writes ASCII85 + Flate, or plain when uncompressed)."""
    streams = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        head, data = match.group(1), match.group(2)
        if b"/ASCII85Decode" in head:
            data = base64.a85decode(data.strip().removesuffix(b"~>").strip())
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        streams.append(data)
    return streams


def pdf_pages_as_images(pdf: bytes, page_size: tuple[float, float], scale: int = 4) -> list[Image.Image]:
    """Rasterise each page's filled rectangles (`x y w h re f`): the only filled shapes on a card are QR modules."""
    images = []
    for stream in pdf_streams(pdf):
        rects = re.findall(rb"([\d.\-]+) ([\d.\-]+) ([\d.\-]+) ([\d.\-]+) re f\*?", stream)
        if not rects:
            continue
        width, height = page_size
        image = Image.new("L", (int(width * scale), int(height * scale)), 255)
        draw = ImageDraw.Draw(image)
        for x, y, w, h in ((float(v) for v in rect) for rect in rects):
            draw.rectangle([x * scale, (height - y - h) * scale, (x + w) * scale - 1, (height - y) * scale - 1],
                           fill=0)
        images.append(image)
    return images


# --- Data --------------------------------------------------------------------------------------------------------


@pytest.fixture
def breeding_cage(centre, other_centre):
    """GIVEN cage BR-0042 (breeding, room MLC / Room 12, rack R7, position B3) holding a pair of colony PAX6-COL:
    the male with two allele rows, the female with her zygosity only; their active mating MAT-77 with an unweaned
    and a weaned litter; a mouse moved out of the cage and an ended mating that must not show; and a JAX cage."""
    room = RoomFactory(centre=centre, building="MLC", name="Room 12")
    rack = RackFactory(centre=centre, room=room, name="R7")
    cage = CageFactory(centre=centre, rack=rack, cage_id="BR-0042", cage_type=Cage.CageType.BREEDING, position="B3",
                       capacity=4, opened_on=dt.date(2026, 1, 5))
    colony = ColonyFactory(centre=centre, name="PAX6-COL")
    strain = StrainFactory(name="C57BL/6NTac")
    male = MouseFactory(centre=centre, colony=colony, strain=strain, specimen_id="H-M-001", ear_mark="L1",
                        sex=Mouse.Sex.MALE, date_of_birth=dt.date(2025, 10, 1))
    MouseAllele.objects.create(mouse=male, allele="Pax6<tm1b(EUCOMM)Wtsi>", zygosity=Mouse.Zygosity.HETEROZYGOUS)
    MouseAllele.objects.create(mouse=male, allele="Cre", zygosity=Mouse.Zygosity.HEMIZYGOUS)
    female = MouseFactory(centre=centre, colony=colony, strain=strain, specimen_id="H-F-002", ear_mark="R2",
                          sex=Mouse.Sex.FEMALE, date_of_birth=dt.date(2025, 10, 8), zygosity=Mouse.Zygosity.HOMOZYGOUS)
    for mouse in (male, female):
        CagePlacementFactory(mouse=mouse, cage=cage, started_on=dt.date(2026, 1, 5))
    gone = MouseFactory(centre=centre, colony=colony, specimen_id="H-GONE-9")
    CagePlacementFactory(mouse=gone, cage=cage, started_on=dt.date(2026, 1, 5), ended_on=dt.date(2026, 1, 20))

    mating = MatingFactory(centre=centre, colony=colony, male=male, cage=cage, name="MAT-77",
                           set_up_on=dt.date(2026, 1, 6))
    MatingFemaleFactory(mating=mating, female=female, joined_on=dt.date(2026, 1, 6))
    LitterFactory(mating=mating, dam=female, code="LIT-OLD", born_on=dt.date(2025, 12, 1),
                  weaned_on=dt.date(2025, 12, 22), alive_count=6)
    LitterFactory(mating=mating, dam=female, code="LIT-NEW", born_on=dt.date(2026, 1, 26), alive_count=8)
    ended = MatingFactory(centre=centre, colony=colony, cage=cage, name="MAT-OLD", set_up_on=dt.date(2025, 6, 1),
                          ended_on=dt.date(2025, 11, 1))
    MatingFemaleFactory(mating=ended, left_on=dt.date(2025, 11, 1))

    other_rack = RackFactory(centre=other_centre, room=RoomFactory(centre=other_centre))
    other = CageFactory(centre=other_centre, rack=other_rack, cage_id="JAX-1")
    return {"cage": cage, "other": other, "male": male, "female": female}


def cage_url(cage) -> str:
    return f"http://testserver/colony/cages/{cage.pk}/"


# --- The print page ----------------------------------------------------------------------------------------------


def test_card_page_shows_every_field(client, breeding_cage, tech):
    cage = breeding_cage["cage"]
    client.force_login(tech)
    response = client.get(reverse("colonies:cage_card", args=[cage.pk]))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for text in [
        "BR-0042", "Breeding cage", "capacity 4", "MLC / Room 12", "R7", "B3", "2026-01-05",
        # the mice: ID, ear mark, sex, DOB, genotype (allele rows, else zygosity), strain, colony
        "H-M-001", "L1", 'title="Male">M<', "2025-10-01", "Cre hemi; Pax6<tm1b(EUCOMM)Wtsi> het",
        "H-F-002", "R2", 'title="Female">F<', "2025-10-08", "C57BL/6NTac · PAX6-COL",
        # the active mating and its litters, with the projected wean date (born + 21 days by default)
        "MAT-77", "set up 2026-01-06", "Male H-M-001 × female H-F-002",
        "LIT-NEW", "2026-01-26", "2026-02-16", "LIT-OLD", "2025-12-01", "2025-12-22",
        "Print", reverse("colonies:cage_card_pdf", args=[cage.pk]),
    ]:
        assert text in page, text
    genotypes = dict(re.findall(r'>(H-[MF]-00\d)</a></th>.*?<td class="cage-card__genotype">(.*?)</td>', page, re.S))
    # One allele row per allele (alphabetical); the female's zygosity stands in for her missing allele rows.
    assert genotypes == {"H-M-001": "Cre hemi; Pax6<tm1b(EUCOMM)Wtsi> het", "H-F-002": "hom"}
    for absent in ["H-GONE-9", "MAT-OLD"]:
        assert absent not in page, absent


def test_card_page_qr_code_decodes_to_the_cages_absolute_url(client, breeding_cage, tech):
    cage = breeding_cage["cage"]
    client.force_login(tech)
    page = client.get(reverse("colonies:cage_card", args=[cage.pk])).content.decode()

    svgs = re.findall(r"<svg [^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 1
    svg = svgs[0]
    assert 'class="qr"' in svg
    assert re.search(r'data-qr-url="([^"]+)"', svg).group(1) == cage_url(cage)
    assert decode(svg_to_image(svg)) == [cage_url(cage)]
    assert decode(Image.open(io.BytesIO(qr_png(cage_url(cage))))) == [cage_url(cage)]


def test_card_uses_the_centres_wean_target(client, breeding_cage, tech, centre):
    ColonySettings.objects.create(centre=centre, wean_target_days=24)
    [card] = cage_cards(Cage.objects.filter(pk=breeding_cage["cage"].pk))
    assert [(litter.code, litter.wean_due_on) for litter in card.matings[0].litters] == [
        ("LIT-NEW", dt.date(2026, 2, 19)), ("LIT-OLD", dt.date(2025, 12, 25))]


def test_cage_detail_page_offers_the_card_and_its_pdf(client, breeding_cage, tech):
    cage = breeding_cage["cage"]
    client.force_login(tech)
    page = client.get(reverse("colonies:cage_detail", args=[cage.pk])).content.decode()
    assert f'href="{reverse("colonies:cage_card", args=[cage.pk])}">Cage card<' in page
    assert f'href="{reverse("colonies:cage_card_pdf", args=[cage.pk])}">PDF<' in page


# --- The PDF -----------------------------------------------------------------------------------------------------


def test_card_pdf_is_a_pdf_with_the_cage_id_and_a_readable_qr_code(client, breeding_cage, tech):
    cage = breeding_cage["cage"]
    client.force_login(tech)
    response = client.get(reverse("colonies:cage_card_pdf", args=[cage.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="cage-card-BR-0042.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = b"".join(pdf_streams(pdf))
    for literal in [b"(BR-0042) Tj", b"H-M-001", b"H-F-002", b"MAT-77", b"LIT-NEW", b"2026-02-16"]:
        assert literal in text, literal
    [page] = pdf_pages_as_images(pdf, (105 / 25.4 * 72, 148 / 25.4 * 72))
    assert decode(page) == [cage_url(cage)]


def test_sheet_pdf_puts_four_cards_on_an_a4_page_each_with_its_own_qr_code(client, centre, tech):
    rack = RackFactory(centre=centre, room=RoomFactory(centre=centre, name="Room 3"))
    cages = [CageFactory(centre=centre, rack=rack, cage_id=f"S-{n}") for n in range(5)]
    client.force_login(tech)
    response = client.get(reverse("colonies:cage_cards_pdf"), {"room": rack.room.pk})
    assert response.status_code == 200
    pages = pdf_pages_as_images(response.content, (595.2756, 841.8898))
    assert len(pages) == 2
    assert sorted(decode(pages[0])) == sorted(cage_url(c) for c in cages[:4])
    assert decode(pages[1]) == [cage_url(cages[4])]


# --- Several cards -----------------------------------------------------------------------------------------------


def test_sheet_shows_the_ticked_cages_or_the_open_cages_of_a_room(client, centre, tech, breeding_cage):
    rack = RackFactory(centre=centre, room=RoomFactory(centre=centre, name="Room 9"))
    open_cage = CageFactory(centre=centre, rack=rack, cage_id="OPEN-1")
    closed = CageFactory(centre=centre, rack=rack, cage_id="CLOSED-1", closed_on=dt.date(2026, 2, 1))
    client.force_login(tech)
    url = reverse("colonies:cage_cards")

    ticked = client.get(url, {"cage": [breeding_cage["cage"].pk, closed.pk]})
    assert [card.cage_id for card in ticked.context["cards"]] == ["BR-0042", "CLOSED-1"]
    by_room = client.get(url, {"room": rack.room.pk})
    assert [card.cage_id for card in by_room.context["cards"]] == ["OPEN-1"]
    assert f'data-qr-url="{cage_url(open_cage)}"' in by_room.content.decode()
    with_closed = client.get(url, {"room": rack.room.pk, "is_open": "false"})
    assert [card.cage_id for card in with_closed.context["cards"]] == ["CLOSED-1"]


def test_other_centres_cage_is_404_and_never_on_a_sheet(client, breeding_cage, tech):
    other = breeding_cage["other"]
    client.force_login(tech)
    assert client.get(reverse("colonies:cage_card", args=[other.pk])).status_code == 404
    assert client.get(reverse("colonies:cage_card_pdf", args=[other.pk])).status_code == 404
    sheet = client.get(reverse("colonies:cage_cards"), {"cage": [other.pk]})
    assert sheet.status_code == 200 and sheet.context["cards"] == []
    assert "JAX-1" not in sheet.content.decode()
    pdf = client.get(reverse("colonies:cage_cards_pdf"), {"cage": [other.pk]}).content
    assert b"JAX-1" not in b"".join(pdf_streams(pdf))


def test_cards_need_a_login(client, breeding_cage):
    response = client.get(reverse("colonies:cage_card", args=[breeding_cage["cage"].pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_20_cage_sheet_costs_a_fixed_number_of_queries(client, centre, tech, django_assert_max_num_queries):
    """GIVEN 20 breeding cages, each with a pair carrying an allele row and an active mating with two litters,
    THEN the sheet and its PDF each cost the same few queries as one card would (no query per cage)."""
    rack = RackFactory(centre=centre, room=RoomFactory(centre=centre, name="Room 20"))
    colony = ColonyFactory(centre=centre)
    for n in range(20):
        cage = CageFactory(centre=centre, rack=rack, cage_id=f"Q-{n:02d}", cage_type=Cage.CageType.BREEDING)
        mating = MatingFactory(centre=centre, colony=colony, cage=cage)
        MatingFemaleFactory(mating=mating)
        for mouse in (mating.male, mating.females.get()):
            CagePlacementFactory(mouse=mouse, cage=cage)
            MouseAllele.objects.create(mouse=mouse, allele="Cre", zygosity=Mouse.Zygosity.HEMIZYGOUS)
        LitterFactory(mating=mating, born_on=dt.date(2026, 1, 21))
        LitterFactory(mating=mating, born_on=dt.date(2026, 2, 12))
    client.force_login(tech)
    # session, user, centre (header); cages, placements, alleles, matings, females, litters, colony settings
    with django_assert_max_num_queries(10):
        response = client.get(reverse("colonies:cage_cards"), {"room": rack.room.pk})
    assert len(response.context["cards"]) == 20
    assert all(len(card.mice) == 2 and len(card.matings[0].litters) == 2 for card in response.context["cards"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("colonies:cage_cards_pdf"), {"room": rack.room.pk})
    assert response.status_code == 200


def test_card_of_an_empty_cage_without_a_rack_and_a_mating_with_many_litters(client, centre, tech):
    """GIVEN a cage on no rack, and a mating with five litters in another cage, THEN the first card says the cage is
    empty and has no place, and the second shows the four latest litters and counts the earlier one."""
    bare = CageFactory(centre=centre, rack=None, cage_id="BARE-1")
    busy = CageFactory(centre=centre, cage_id="BUSY-1", cage_type=Cage.CageType.BREEDING)
    mating = MatingFactory(centre=centre, cage=busy, set_up_on=dt.date(2025, 1, 1))
    MatingFemaleFactory(mating=mating)
    for month in range(1, 6):
        LitterFactory(mating=mating, code=f"L-{month}", born_on=dt.date(2025, month * 2, 1))
    client.force_login(tech)

    page = client.get(reverse("colonies:cage_card", args=[bare.pk])).content.decode()
    assert "BARE-1" in page and "Mice (0)" in page and "Empty" in page
    [card] = cage_cards(Cage.objects.filter(pk=bare.pk))
    assert card.location == "No place recorded"

    page = client.get(reverse("colonies:cage_card", args=[busy.pk])).content.decode()
    assert [code for code in ("L-1", "L-2", "L-3", "L-4", "L-5") if f">{code}<" in page] == ["L-2", "L-3", "L-4", "L-5"]
    assert "+ 1 earlier litter" in page
    pdf = client.get(reverse("colonies:cage_card_pdf", args=[bare.pk])).content
    assert b"(BARE-1) Tj" in b"".join(pdf_streams(pdf))


# --- Long values wrap, never cut (issue 13 point 9) --------------------------------------------------------------

# 60 characters, no space: an allele symbol as long as the card's width (the PDF used to cut it at "…Wtsi>…").
LONG_ALLELE = "Cbx1<tm1a(EUCOMM)Wtsi>Gt(ROSA)26Sor<tm1(CAG-Bgeo,-tdTomato)>"
LONG_COLONY = "H-CBX1-TM1A-EUCOMM-WTSI-ROSA26-TDTOMATO-CROSS-BACKGROUND-N4F"  # 60 characters too


def pdf_text(pdf: bytes) -> str:
    """The text a reader would copy out of the PDF, page by page (pypdf decodes fonts, escapes and positions)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def long_values_cage(centre):
    """GIVEN cage LONG-1 holding a het mouse of colony LONG_COLONY with allele LONG_ALLELE, and a wild-type one."""
    assert len(LONG_ALLELE) == 60 and len(LONG_COLONY) == 60
    cage = CageFactory(centre=centre, cage_id="LONG-1")
    colony = ColonyFactory(centre=centre, name=LONG_COLONY)
    het = MouseFactory(centre=centre, colony=colony, specimen_id="H-LONG-HET", sex=Mouse.Sex.MALE)
    wild = MouseFactory(centre=centre, colony=colony, specimen_id="H-LONG-WT", sex=Mouse.Sex.FEMALE)
    MouseAllele.objects.create(mouse=het, allele=LONG_ALLELE, zygosity=Mouse.Zygosity.HETEROZYGOUS)
    MouseAllele.objects.create(mouse=wild, allele=LONG_ALLELE, zygosity=Mouse.Zygosity.WILD_TYPE)
    for mouse in (het, wild):
        CagePlacementFactory(mouse=mouse, cage=cage)
    return cage


def test_pdf_shows_a_60_character_allele_and_colony_whole_and_het_apart_from_wild_type(client, tech,
                                                                                        long_values_cage):
    client.force_login(tech)
    pdf = client.get(reverse("colonies:cage_card_pdf", args=[long_values_cage.pk])).content
    text = pdf_text(pdf)
    assert text.count(LONG_ALLELE) == 2, text  # whole, on one line, for each mouse
    assert text.count(LONG_COLONY) == 2, text
    assert "…" not in text
    # The zygosity follows its allele, so het and wild type are told apart.
    words = text.split()
    zygosities = [words[i + 1] for i, word in enumerate(words) if word == LONG_ALLELE]
    assert sorted(zygosities) == ["het", "wt"]


def test_pdf_breaks_an_allele_too_long_for_any_line_but_keeps_every_character(client, tech, centre,
                                                                               long_values_cage):
    huge = (LONG_ALLELE * 2)[:100]  # the longest allele a mouse can have: no size makes it fit one line
    MouseAllele.objects.filter(mouse__specimen_id="H-LONG-HET").update(allele=huge)
    client.force_login(tech)
    text = pdf_text(client.get(reverse("colonies:cage_card_pdf", args=[long_values_cage.pk])).content)
    assert huge not in text  # it had to break somewhere …
    assert huge in text.replace("\n", "") and "…" not in text  # … and lost nothing


def test_long_cage_id_and_mating_names_wrap_on_the_pdf(client, tech, centre):
    cage = CageFactory(centre=centre, cage_id="CAGE-WITH-A-VERY-LONG-IDENTIFIER-0000042")
    mating = MatingFactory(centre=centre, cage=cage, name="MAT-LONG-NAME-OF-THE-BREEDING-PAIR-0042")
    MatingFemaleFactory(mating=mating)
    LitterFactory(mating=mating, code="MAT-LONG-NAME-OF-THE-BREEDING-PAIR-0042-L1")
    client.force_login(tech)
    text = pdf_text(client.get(reverse("colonies:cage_card_pdf", args=[cage.pk])).content).replace("\n", "")
    for value in (cage.cage_id, mating.name, "MAT-LONG-NAME-OF-THE-BREEDING-PAIR-0042-L1"):
        assert value in text, value
    assert "…" not in text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="latin-1", exclude_categories=("Cc", "Cs")), max_size=300),
       st.floats(min_value=20, max_value=300))
def test_wrap_keeps_every_character_and_stays_within_the_width(text, width):
    lines = wrap(text, width, "Helvetica", 8)
    assert "".join("".join(line.split()) for line in lines) == "".join(text.split())
    for line in lines:
        assert len(line) == 1 or stringWidth(line, "Helvetica", 8) <= width, (line, width)
