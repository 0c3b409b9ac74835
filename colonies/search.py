"""The search box on every page: a mouse, cage or colony found by what is written on it (ID or ear mark).

A selector, not a view: `colonies.husbandry.views.search` only redirects or lists what this returns. Every query
goes through `scope_for_user`, so another centre's IDs find nothing (the box must not reveal that they exist).
Exact matches (case-insensitive) win; only when nothing matches exactly does a prefix search run, so typing the
start of a long specimen ID at the rack still finds it, while an exact ID never drowns among its prefixes.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from colonies.models import Cage, Colony, Mouse
from lims.scoping import scope_for_user

MAX_HITS = 50


@dataclass(frozen=True)
class Hit:
    """One record found: what it is, how it reads, why it matched, and its page."""

    kind: str
    label: str
    detail: str
    url: str


def _mice(user, lookup: str, text: str) -> list[Hit]:
    mice = scope_for_user(Mouse.objects.filter(voided_at__isnull=True), user).select_related("colony")
    found = mice.filter(**{f"specimen_id__{lookup}": text}) | mice.filter(**{f"ear_mark__{lookup}": text})
    return [Hit("Mouse", m.specimen_id, " · ".join(filter(None, [
        f"ear mark {m.ear_mark}" if m.ear_mark else "", m.colony.name if m.colony_id else "baseline"])),
        m.get_absolute_url()) for m in found.order_by("specimen_id")[:MAX_HITS]]


def _cages(user, lookup: str, text: str) -> list[Hit]:
    cages = scope_for_user(Cage.objects.filter(voided_at__isnull=True), user).select_related("rack__room")
    return [Hit("Cage", c.cage_id, str(c.rack.room) if c.rack_id else "", c.get_absolute_url())
            for c in cages.filter(**{f"cage_id__{lookup}": text}).order_by("cage_id")[:MAX_HITS]]


def _colonies(user, lookup: str, text: str) -> list[Hit]:
    colonies = scope_for_user(Colony.objects.filter(voided_at__isnull=True), user)
    return [Hit("Colony", c.name, "", c.get_absolute_url())
            for c in colonies.filter(**{f"name__{lookup}": text}).order_by("name")[:MAX_HITS]]


def find(user, text: str) -> list[Hit]:
    """Mice, cages and colonies of the user's centre whose ID (or ear mark, or name) is `text`, else starts with it."""
    text = text.strip()
    if not text:
        return []
    for lookup in ("iexact", "istartswith"):
        hits = _mice(user, lookup, text) + _cages(user, lookup, text) + _colonies(user, lookup, text)
        if hits:
            return hits[:MAX_HITS]
    return []


def cage_from_code(user, code: str) -> Cage | None:
    """The cage of the user's centre that a scanned code names, or None.

    A cage card's QR code holds the absolute URL of the cage's page (`colonies.husbandry.views.cards`); a code that
    is not such a URL is read as a cage ID (a hand-written label, a barcode). The host is not checked, only the path:
    the same card must work behind another name of the server (a tablet on the animal unit's Wi-Fi).
    """
    code = code.strip()
    if not code:
        return None
    cages = scope_for_user(Cage.objects.filter(voided_at__isnull=True), user)
    path = urlsplit(code).path if "://" in code or code.startswith("/") else ""
    if path:
        try:
            match = resolve(path)
        except Resolver404:
            return None
        if match.view_name not in ("colonies:cage_detail", "colonies:cage_card"):
            return None
        return cages.filter(pk=match.kwargs["pk"]).first()
    return cages.filter(cage_id__iexact=code).first()
