"""Cage cards: what a card shows (one query-bounded selector for any number of cages), its QR code, and its PDF.

A cage card is the paper on the cage: who is in it now, their genotype, the breeding set-up and when its litters
are due to be weaned, and a QR code that opens the cage's page on a phone or tablet at the rack. The QR code is
drawn here with segno (no external service: MyVivarium's cards break when api.qrserver.com is unreachable, and a
cage URL should never leave the building).

The same `CageCard` feeds the print page (HTML + print CSS) and the PDF (reportlab), so both show the same facts.
`cage_cards()` costs a fixed number of queries whatever the number of cages: the cages, their open placements,
the alleles of those mice, their active matings, those matings' current females, their litters, and the
centres' colony settings.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import segno
from django.db.models import Prefetch, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from colonies.models import Cage, CagePlacement, Litter, Mating, MatingFemale, Mouse, MouseAllele
from colonies.selectors import colony_settings_for

# Card vocabulary: the short forms a technician writes on a card by hand.
ZYGOSITY_SHORT = {
    Mouse.Zygosity.WILD_TYPE: "wt",
    Mouse.Zygosity.HETEROZYGOUS: "het",
    Mouse.Zygosity.HOMOZYGOUS: "hom",
    Mouse.Zygosity.HEMIZYGOUS: "hemi",
}
SEX_SHORT = {Mouse.Sex.MALE: "M", Mouse.Sex.FEMALE: "F", Mouse.Sex.INTERSEX: "I", Mouse.Sex.NO_DATA: "?"}
# A long-running mating has many litters; a card has room for the latest few (the mating page has them all).
MAX_LITTERS_ON_CARD = 4


# --- What a card shows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardMouse:
    specimen_id: str
    ear_mark: str
    sex: str
    sex_short: str
    date_of_birth: dt.date
    genotype: str
    strain: str
    colony: str
    url: str
    origin: str = ""  # its litter, parents and wean date, for weaned mice

    @property
    def line(self) -> str:
        return " · ".join(part for part in (self.strain, self.colony or "no colony", self.origin) if part)


@dataclass(frozen=True)
class CardLitter:
    code: str
    born_on: dt.date
    alive_count: int
    weaned_on: dt.date | None
    wean_due_on: dt.date  # born_on + the centre's wean target: when the wean reminder falls due


@dataclass(frozen=True)
class CardMating:
    name: str
    set_up_on: dt.date
    male: str
    females: tuple[str, ...]
    litters: tuple[CardLitter, ...]
    earlier_litters: int  # litters not shown for lack of room
    url: str


@dataclass
class CageCard:
    """One cage's card. `qr_url` is the absolute URL of the cage's page, set by the view (it knows the host)."""

    pk: int
    cage_id: str
    cage_type: str
    capacity: int
    room: str
    rack: str
    position: str
    opened_on: dt.date
    closed_on: dt.date | None
    path: str
    mice: list[CardMouse] = field(default_factory=list)
    matings: list[CardMating] = field(default_factory=list)
    qr_url: str = ""

    @property
    def location(self) -> str:
        return " / ".join(part for part in (self.room, self.rack, self.position) if part) or "No place recorded"

    @property
    def qr_svg(self) -> SafeString:
        return qr_svg(self.qr_url)


def genotype_text(mouse: Mouse) -> str:
    """The mouse's genotype per allele ("Pax6<tm1b> het; Cre hemi"), or its zygosity when no allele row exists."""
    alleles = list(mouse.alleles.all())  # prefetched by `card_queryset`
    if alleles:
        return "; ".join(f"{row.allele} {ZYGOSITY_SHORT.get(row.zygosity, row.zygosity)}" for row in alleles)
    return ZYGOSITY_SHORT.get(mouse.zygosity, mouse.zygosity or "")


def card_queryset(cages: QuerySet[Cage]) -> QuerySet[Cage]:
    """`cages` with everything a card shows fetched up front (a fixed number of queries for any count).

    Voided mice and voided matings or litters were entered by mistake; they stay off the card.
    """
    placements = (
        CagePlacement.objects.filter(ended_on__isnull=True, mouse__voided_at__isnull=True)
        .select_related("mouse__strain", "mouse__colony", "mouse__litter__mating__male", "mouse__litter__dam")
        .prefetch_related(Prefetch("mouse__alleles", queryset=MouseAllele.objects.order_by("allele")))
        .order_by("mouse__specimen_id")
    )
    matings = (
        Mating.objects.filter(ended_on__isnull=True, voided_at__isnull=True)
        .select_related("male")
        .prefetch_related(
            Prefetch("female_rows", queryset=MatingFemale.objects.filter(left_on__isnull=True)
                     .select_related("female").order_by("female__specimen_id"), to_attr="current_female_rows"),
            Prefetch("litters", queryset=Litter.objects.filter(voided_at__isnull=True).order_by("-born_on", "code"),
                     to_attr="card_litters"),
        )
        .order_by("set_up_on", "name")
    )
    return cages.select_related("rack__room").prefetch_related(
        Prefetch("placements", queryset=placements, to_attr="open_placements"),
        Prefetch("matings", queryset=matings, to_attr="active_matings"),
    )


def wean_targets(centre_ids: Iterable[int]) -> dict[int, int]:
    """Each centre's wean target in days (a centre without a settings row uses the model's default); one query a
    centre, and a sheet shows one centre's cages unless a superuser prints several."""
    return {centre_id: colony_settings_for(centre_id).wean_target_days for centre_id in centre_ids}


def cage_cards(cages: QuerySet[Cage]) -> list[CageCard]:
    """The cards of `cages` (already scoped to the user's centre), in the queryset's order."""
    cage_rows = list(card_queryset(cages))
    targets = wean_targets({cage.centre_id for cage in cage_rows})
    return [_card(cage, wean_days=targets[cage.centre_id]) for cage in cage_rows]


def _origin(mouse: Mouse) -> str:
    """"litter L (sire × dam), weaned D" for a mouse weaned here; "" for one registered by hand."""
    litter = mouse.litter
    if litter is None:
        return ""
    parents = f"{litter.mating.male.specimen_id} × {litter.dam.specimen_id if litter.dam else '?'}"
    weaned = f", weaned {litter.weaned_on:%Y-%m-%d}" if litter.weaned_on else ""
    return f"litter {litter.code} ({parents}){weaned}"


def _card(cage: Cage, *, wean_days: int) -> CageCard:
    rack = cage.rack
    card = CageCard(
        pk=cage.pk, cage_id=cage.cage_id, cage_type=cage.get_cage_type_display(), capacity=cage.capacity,
        room=str(rack.room) if rack else "", rack=rack.name if rack else "", position=cage.position,
        opened_on=cage.opened_on, closed_on=cage.closed_on, path=cage.get_absolute_url(),
    )
    for placement in cage.open_placements:
        mouse = placement.mouse
        card.mice.append(CardMouse(
            specimen_id=mouse.specimen_id, ear_mark=mouse.ear_mark, sex=mouse.get_sex_display(),
            sex_short=SEX_SHORT.get(mouse.sex, "?"), date_of_birth=mouse.date_of_birth, genotype=genotype_text(mouse),
            strain=str(mouse.strain), colony=mouse.colony.name if mouse.colony_id else "",
            url=mouse.get_absolute_url(), origin=_origin(mouse),
        ))
    for mating in cage.active_matings:
        litters = [
            CardLitter(code=litter.code, born_on=litter.born_on, alive_count=litter.alive_count,
                       weaned_on=litter.weaned_on, wean_due_on=litter.born_on + dt.timedelta(days=wean_days))
            for litter in mating.card_litters
        ]
        card.matings.append(CardMating(
            name=mating.name, set_up_on=mating.set_up_on, male=mating.male.specimen_id,
            females=tuple(row.female.specimen_id for row in mating.current_female_rows),
            litters=tuple(litters[:MAX_LITTERS_ON_CARD]), earlier_litters=max(0, len(litters) - MAX_LITTERS_ON_CARD),
            url=mating.get_absolute_url(),
        ))
    return card


# --- QR code -----------------------------------------------------------------------------------------------------


def make_qr(url: str) -> segno.QRCode:
    """A regular QR code of `url` at level M (survives a smudged or scratched card; phones read it readily)."""
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> SafeString:
    """The QR code of `url` as inline SVG that scales with its CSS box; `data-qr-url` says what it encodes."""
    svg = make_qr(url).svg_inline(scale=1, omitsize=True, svgclass="qr", lineclass="qr__modules",
                                  title=f"QR code: {url}")
    return mark_safe(svg.replace("<svg ", f'<svg data-qr-url="{escape(url)}" role="img" ', 1))  # noqa: S308


def qr_png(url: str, *, scale: int = 4) -> bytes:
    """The QR code of `url` as PNG (with the standard 4-module quiet zone)."""
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------------------------------

CARD_W, CARD_H = A6  # 105 × 148 mm, portrait: four to an A4 page
PAD = 4 * mm
FONT, BOLD = "Helvetica", "Helvetica-Bold"


def cards_pdf(cards: Sequence[CageCard], *, sheet: bool) -> bytes:
    """Render cards as a PDF: one A6 page per card, or (`sheet`) four A6 cards per A4 page with cut lines.

    The QR code is drawn as vector squares, so it stays sharp at any printer resolution.
    """
    buffer = io.BytesIO()
    pagesize = A4 if sheet else A6
    pdf = canvas.Canvas(buffer, pagesize=pagesize, pageCompression=1)
    pdf.setTitle("Cage cards" if sheet or len(cards) != 1 else f"Cage card {cards[0].cage_id}")
    pdf.setAuthor("LIMS")
    slots = [(0, CARD_H), (CARD_W, CARD_H), (0, 0), (CARD_W, 0)] if sheet else [(0, 0)]
    for index, card in enumerate(cards):
        slot = index % len(slots)
        if index and slot == 0:
            pdf.showPage()
        x, y = slots[slot]
        _draw_card(pdf, card, x, y)
    if not cards:
        pdf.setFont(FONT, 10)
        pdf.drawString(PAD, pagesize[1] - PAD - 10, "No cages selected.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# A long token (an allele symbol has no spaces) breaks after one of these when it cannot fit on a line.
_BREAK_AFTER = frozenset(">);,/-_:")
# Genotype text is drawn at the largest of these sizes at which no allele has to be broken.
GENOTYPE_SIZES = (8, 7.5, 7, 6.5)


def _split_word(word: str, width: float, font: str, size: float) -> tuple[str, str]:
    """The longest head of `word` that fits `width` (ending after a natural break when one is near), and the rest."""
    fit = 1
    while fit < len(word) and stringWidth(word[:fit + 1], font, size) <= width:
        fit += 1
    for end in range(fit, fit // 2, -1):
        if word[end - 1] in _BREAK_AFTER:
            return word[:end], word[end:]
    return word[:fit], word[fit:]


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """`text` as lines no wider than `width` points. Lines break at spaces; a word longer than a line breaks after
    '>', ')', ';' … or, failing that, anywhere. Every character is kept: a card never cuts a genotype short."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while stringWidth(word, font, size) > width:
            head, word = _split_word(word, width, font, size)
            lines.append(head)
        current = word
    lines.append(current)
    return lines


def _fitting_size(text: str, width: float, font: str, sizes: Sequence[float]) -> float:
    """The largest size at which every word of `text` fits a line of `width` (so none is broken), else the least."""
    for size in sizes:
        if all(stringWidth(word, font, size) <= width for word in text.split()):
            return size
    return sizes[-1]


def _draw_lines(pdf: canvas.Canvas, x: float, y: float, lines: Sequence[str], font: str, size: float,
                leading: float) -> float:
    """Draw `lines` one under the other from baseline `y`; return the baseline after the last."""
    pdf.setFont(font, size)
    for line in lines:
        pdf.drawString(x, y, line)
        y -= leading
    return y


def _wrap_cells(columns: Sequence[tuple[float, str]], bounds: Sequence[float], values: Sequence[str],
                size: float) -> list[list[str]]:
    """Each value of a table row wrapped to its column: from the column's offset to its bound (the next column)."""
    return [wrap(value, end - offset - 2, FONT, size) for (offset, _), end, value in zip(columns, bounds, values)]


def _draw_cells(pdf: canvas.Canvas, left: float, y: float, columns: Sequence[tuple[float, str]],
                cells: Sequence[Sequence[str]], size: float, leading: float) -> float:
    """Draw a row of wrapped cells side by side from baseline `y`; return the baseline under the tallest."""
    row_y = y
    for (offset, _), cell in zip(columns, cells):
        row_y = min(row_y, _draw_lines(pdf, left + offset, y, cell, FONT, size, leading))
    return row_y


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def _draw_qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of `url` (quiet zone included) in the square whose lower-left corner is (x, y)."""
    qr = make_qr(url)
    matrix = qr.matrix
    border = 4
    count = len(matrix) + 2 * border
    module = size / count
    top = y + size
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + (start + border) * module, top - (r + border + 1) * module,
                         (c - start) * module, module, stroke=0, fill=1)
            else:
                c += 1


def _draw_card(pdf: canvas.Canvas, card: CageCard, x0: float, y0: float) -> None:
    """Draw one card: its cut line, the header with the QR code, then its mice and its matings. Every value wraps
    within its space (nothing is cut with an ellipsis); when the card is full, the mice or matings that do not fit
    are left to the cage page, which the card says."""
    left, right, top = x0 + PAD, x0 + CARD_W - PAD, y0 + CARD_H - PAD
    bottom = y0 + PAD
    pdf.setLineWidth(0.3)
    pdf.setDash(2, 2)
    pdf.rect(x0, y0, CARD_W, CARD_H, stroke=1, fill=0)  # cut line
    pdf.setDash()
    y = _draw_header(pdf, card, left, right, top)
    y = _draw_mice(pdf, card, left, right, y, bottom)
    _draw_matings(pdf, card, left, right, y, bottom)


def _draw_header(pdf: canvas.Canvas, card: CageCard, left: float, right: float, top: float) -> float:
    """The QR code in the top right corner, the cage ID and where the cage is beside it; the baseline under both."""
    width = right - left
    qr_size = 30 * mm
    _draw_qr(pdf, card.qr_url, right - qr_size, top - qr_size, qr_size)
    text_w = width - qr_size - 2 * mm
    y = _draw_lines(pdf, left, top - 16, wrap(card.cage_id, text_w, BOLD, 18), BOLD, 18, 19)
    lines = [
        f"{card.cage_type} cage · capacity {card.capacity}",
        f"Room {card.room or '—'}",
        f"Rack {card.rack or '—'} · position {card.position or '—'}",
        f"Opened {_date(card.opened_on)}" + (f" · closed {_date(card.closed_on)}" if card.closed_on else ""),
    ]
    y -= 14 - 19  # the header lines sit 14 pt under the last line of the cage ID
    for line in lines:
        y = _draw_lines(pdf, left, y, wrap(line, text_w, FONT, 9), FONT, 9, 11)
    return min(y, top - qr_size) - 6


def _draw_mice(pdf: canvas.Canvas, card: CageCard, left: float, right: float, y: float, bottom: float) -> float:
    """The mice from baseline `y` down, as many as fit above the matings' minimum room; the baseline after them.

    ID, ear, sex and DOB on one line; the genotype, then strain, colony and origin, on full-width lines under it,
    so that a long allele (and the zygosity after it) is read whole.
    """
    width = right - left
    columns = [(0, "ID"), (26 * mm, "Ear"), (36 * mm, "Sex"), (43 * mm, "DOB"), (61 * mm, "Genotype: next line")]
    pdf.setFont(BOLD, 8)
    pdf.drawString(left, y, f"Mice ({len(card.mice)})")
    y -= 10
    for offset, header in columns:
        pdf.drawString(left + offset, y, header)
    pdf.line(left, y - 2, right, y - 2)
    y -= 11
    indent = 2 * mm
    for shown, mouse in enumerate(card.mice):
        genotype = mouse.genotype or "—"
        size = _fitting_size(genotype, width - indent, FONT, GENOTYPE_SIZES)
        genotype_lines = wrap(genotype, width - indent, FONT, size)
        line_lines = wrap(mouse.line, width - indent, FONT, 6.5)
        bounds = [c[0] for c in columns[1:4]] + [61 * mm]
        values = [mouse.specimen_id, mouse.ear_mark or "—", mouse.sex_short, _date(mouse.date_of_birth)]
        cells = _wrap_cells(columns, bounds, values, 8)
        height = 9 * max(len(c) for c in cells) + (size + 1.5) * len(genotype_lines) + 7.5 * len(line_lines) + 3
        if y - height < bottom + 40:
            pdf.setFont(FONT, 7)
            pdf.drawString(left, y, f"… {len(card.mice) - shown} more mice on the cage page")
            y -= 10
            break
        row_y = _draw_cells(pdf, left, y, columns, cells, 8, 9)
        y = _draw_lines(pdf, left + indent, row_y, genotype_lines, FONT, size, size + 1.5)
        y = _draw_lines(pdf, left + indent, y, line_lines, FONT, 6.5, 7.5) - 3
    if not card.mice:
        pdf.setFont(FONT, 8)
        pdf.drawString(left, y, "Empty")
        y -= 10
    return y


def _draw_matings(pdf: canvas.Canvas, card: CageCard, left: float, right: float, y: float, bottom: float) -> None:
    """The matings from baseline `y` down, each with its parents and latest litters, as many as fit."""
    width = right - left
    litter_cols = [(0, "Litter"), (26 * mm, "Born"), (44 * mm, "Alive"), (54 * mm, "Wean due"), (72 * mm, "Weaned")]
    litter_bounds = [c[0] for c in litter_cols[1:]] + [width]
    for mating in card.matings:
        head = wrap(f"Mating {mating.name} · set up {_date(mating.set_up_on)}", width, BOLD, 8)
        parents = wrap(f"Male {mating.male} × female {', '.join(mating.females) or '—'}", width, FONT, 8)
        if y - 4 - 10 * len(head) - 10 * len(parents) - 18 < bottom:
            pdf.setFont(FONT, 7)
            pdf.drawString(left, y, "… more on the cage page")
            break
        y -= 4
        pdf.line(left, y + 8, right, y + 8)
        y = _draw_lines(pdf, left, y, head, BOLD, 8, 10)
        y = _draw_lines(pdf, left, y, parents, FONT, 8, 10) - 1
        pdf.setFont(BOLD, 7)
        for offset, header in litter_cols:
            pdf.drawString(left + offset, y, header)
        y -= 9
        for shown, litter in enumerate(mating.litters):
            values = [litter.code, _date(litter.born_on), str(litter.alive_count), _date(litter.wean_due_on),
                      _date(litter.weaned_on)]
            cells = _wrap_cells(litter_cols, litter_bounds, values, 7.5)
            if y - 9 * max(len(c) for c in cells) < bottom:
                pdf.setFont(FONT, 7)
                pdf.drawString(left, y, f"+ {len(mating.litters) - shown} more litter(s) on the cage page")
                y -= 9
                break
            y = _draw_cells(pdf, left, y, litter_cols, cells, 7.5, 9)
        pdf.setFont(FONT, 7.5)
        if not mating.litters:
            pdf.drawString(left, y, "No litter yet")
            y -= 9
        if mating.earlier_litters:
            pdf.drawString(left, y, f"+ {mating.earlier_litters} earlier litter(s)")
            y -= 9


__all__ = ["CageCard", "card_queryset", "cage_cards", "cards_pdf", "genotype_text", "make_qr", "qr_png", "qr_svg",
           "wrap"]
