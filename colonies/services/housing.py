"""Writes for rooms, racks, cages and where each mouse lives (time-ranged `CagePlacement` rows).

A move closes the mouse's open placement on the move date and opens one in the new cage, so a cage's history and a
mouse's history are both plain queries. Capacity and sex-mixing rules are checked for the whole batch at once: a
batch either moves entirely or not at all.
"""
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from colonies.models import Cage, CagePlacement, Mating, MatingFemale, Mouse, MouseIdCounter, Rack, Room
from colonies.services.common import audited, centre_of
from colonies.services.reminders import reminders_batch, reminders_touch
from colonies.selectors import colony_settings_for
from colonies.services.rules import Findings, not_in_future, strain_threshold
from lims.exceptions import Conflict
from lims.services import apply_fields, save_validated

# --- Rooms, racks and cages -----------------------------------------------------------------------------------


@transaction.atomic
def room_create(*, actor, centre=None, **fields) -> Room:
    with audited(actor, "colonies.room.created"):
        return save_validated(Room(centre=centre_of(actor, centre), **fields))


@transaction.atomic
def room_update(*, instance: Room, actor, **fields) -> Room:
    changed = apply_fields(instance, fields)
    with audited(actor, "colonies.room.updated"):
        return save_validated(instance, update_fields=changed)


@transaction.atomic
def rack_create(*, actor, room: Room, centre=None, **fields) -> Rack:
    centre = centre_of(actor, centre)
    _same_centre(Findings(), "room", room, centre).check(confirm=True)
    with audited(actor, "colonies.rack.created"):
        return save_validated(Rack(centre=centre, room=room, **fields))


def _same_centre(findings: Findings, field_name: str, record, centre) -> Findings:
    if record is not None and record.centre_id != centre.pk:
        findings.error(field_name, f"That {field_name} does not belong to your centre.")
    return findings


def _next_number(centre, prefix: str) -> int:
    """The next counter value for `prefix` in `centre`, taken under a row lock (safe with concurrent writers)."""
    counter, _ = MouseIdCounter.objects.select_for_update().get_or_create(centre=centre, prefix=prefix)
    MouseIdCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return counter.last


@transaction.atomic
def cage_create(*, actor, centre=None, cage_id: str = "", capacity: int | None = None, opened_on: date | None = None,
                **fields) -> Cage:
    """Open a cage; blank `cage_id` takes the next "C-00001"-style number, blank capacity the centre's default."""
    centre = centre_of(actor, centre)
    findings = _same_centre(Findings(), "rack", fields.get("rack"), centre)
    today = date.today()
    opened_on = opened_on or today
    not_in_future(findings, "opened_on", opened_on, "The opening date", today)
    findings.check(confirm=True)
    cage_id = (cage_id or "").strip() or f"C-{_next_number(centre, 'cage:C-'):05d}"
    if capacity is None:
        capacity = colony_settings_for(centre).default_cage_capacity
    with audited(actor, "colonies.cage.created"):
        return save_validated(Cage(centre=centre, cage_id=cage_id, capacity=capacity, opened_on=opened_on, **fields))


@transaction.atomic
def cage_update(*, instance: Cage, actor, **fields) -> Cage:
    """Change a cage's type, place or capacity; a capacity below the mice in it now is refused."""
    findings = _same_centre(Findings(), "rack", fields.get("rack"), instance.centre)
    capacity = fields.get("capacity", instance.capacity)
    occupancy = occupants(instance).count()
    if capacity is not None and capacity < occupancy:
        findings.error("capacity", f"Cage {instance.cage_id} holds {occupancy} mice now; its capacity cannot be "
                                   f"{capacity}.")
    findings.check(confirm=True)
    changed = apply_fields(instance, fields)
    with audited(actor, "colonies.cage.updated"):
        return save_validated(instance, update_fields=changed)


@transaction.atomic
def cage_close(*, instance: Cage, actor, closed_on: date | None = None) -> Cage:
    """Close an empty cage (it stays in history and in the cage-days of the census up to this date)."""
    if instance.closed_on is not None:
        raise Conflict(f"Cage {instance.cage_id} is already closed (on {instance.closed_on}).")
    findings = Findings()
    closed_on = closed_on or date.today()
    count = occupants(instance).count()
    if count:
        findings.error("closed_on", f"Cage {instance.cage_id} still holds {count} mice; move them out first.")
    if closed_on < instance.opened_on:
        findings.error("closed_on", f"A cage cannot close ({closed_on}) before it opened ({instance.opened_on}).")
    not_in_future(findings, "closed_on", closed_on, "The closing date", date.today())
    findings.check(confirm=True)
    instance.closed_on = closed_on
    with audited(actor, "colonies.cage.closed"):
        return save_validated(instance, update_fields=["closed_on"])


def occupants(cage: Cage):
    """The mice in `cage` now (open placements)."""
    return Mouse.objects.filter(placements__cage=cage, placements__ended_on__isnull=True)


def cages_lock(cages: Iterable[Cage | None]) -> None:
    """Lock the rows of the cages mice are about to enter, in id order (so two writers never deadlock).

    Capacity and the breeding-cage rule read who is in a cage. Without the lock two weanings (or moves) into the
    same cage at the same moment both saw room and both went in: a cage of 5 ended with 6 mice. The second writer
    now waits for the first to commit, then reads the cage as it is.
    """
    ids = sorted({cage.pk for cage in cages if cage is not None and cage.pk is not None})
    if ids:
        list(Cage.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


class _AdultAge:
    """Whether a mouse is an adult on a day: old enough to breed (its strain's breeding age), one query a strain."""

    def __init__(self, centre):
        self.centre, self.minimum = centre, {}

    def __call__(self, mouse: Mouse, on: date) -> bool:
        if mouse.date_of_birth is None:
            return False
        if mouse.strain_id not in self.minimum:
            self.minimum[mouse.strain_id] = strain_threshold(self.centre, mouse.strain, "breeding_age_days")
        return (on - mouse.date_of_birth).days >= self.minimum[mouse.strain_id]


def breeding_cage_findings(findings: Findings, incoming: dict[Cage, list[Mouse]], on: date, *,
                           field_name: str = "cage") -> None:
    """Refuse a second adult male in a cage that holds an active mating: its male is the only adult male there.

    A second male fights the sire and leaves the pups' father unknown. The mating's own male may come back (after
    a separation); young males (weaned pups below the breeding age) are not refused here. One query for the
    matings of all the cages, and the breeding age per strain only when a male would enter a breeding cage.
    """
    males = {cage: [m for m in mice if m.sex == Mouse.Sex.MALE] for cage, mice in incoming.items() if cage.pk}
    males = {cage: mice for cage, mice in males.items() if mice}
    if not males:
        return
    matings = {m.cage_id: m for m in Mating.objects.filter(cage__in=list(males), ended_on__isnull=True,
                                                           voided_at__isnull=True).select_related("male")}
    adult = None
    for cage, mice in males.items():
        mating = matings.get(cage.pk)
        if mating is None:
            continue
        adult = adult or _AdultAge(cage.centre)
        for mouse in mice:
            if mouse.pk != mating.male_id and adult(mouse, on):
                findings.error(field_name, (
                    f"Cage {cage.cage_id} holds active mating {mating.name} with male {mating.male.specimen_id}; "
                    f"a second adult male ({mouse.specimen_id}) cannot go in. Choose another cage, or end "
                    f"{mating.name} first."))


def mating_cage_findings(findings: Findings, cage: Cage, male: Mouse, on: date, *, mating_name: str = "") -> None:
    """A mating set up in `cage`: refuse a cage that already holds an active mating, or an adult male other than
    this mating's male (the cage and the other mating or male are named)."""
    other = (Mating.objects.filter(cage=cage, ended_on__isnull=True, voided_at__isnull=True)
             .select_related("male").first())
    if other is not None:
        findings.error("cage", (
            f"Cage {cage.cage_id} already holds active mating {other.name} (male {other.male.specimen_id}); a "
            f"breeding cage holds one active mating. End {other.name} or choose another cage."))
        return
    adult = _AdultAge(cage.centre)
    for mouse in occupants(cage).filter(sex=Mouse.Sex.MALE).exclude(pk=male.pk).select_related("strain"):
        if adult(mouse, on):
            findings.error("cage", (
                f"Cage {cage.cage_id} already holds adult male {mouse.specimen_id}; the breeding cage of "
                f"{f'mating {mating_name}' if mating_name else 'the new mating'} takes its own male "
                f"({male.specimen_id}) only. Move {mouse.specimen_id} out first."))


# --- Moves ---------------------------------------------------------------------------------------------------


def capacity_findings(findings: Findings, incoming: dict[Cage, list[Mouse]], *, field_name: str = "cage",
                      in_mating: set[int] = frozenset(), hint: str = "") -> None:
    """Check each target cage's capacity and sex mix for the mice about to go into it (the whole batch).

    A full cage is an error naming its capacity; males and females together outside a mating is a warning.
    `in_mating` lists the ids of cages that will hold an active mating (mixing there is the point).
    """
    for cage, mice in incoming.items():
        incoming_ids = {m.pk for m in mice if m.pk}
        staying = [m for m in occupants(cage).only("pk", "sex") if m.pk not in incoming_ids]
        total = len(staying) + len(mice)
        if total > cage.capacity:
            findings.error(field_name, (
                f"Cage {cage.cage_id} holds at most {cage.capacity} mice (capacity {cage.capacity}); it has "
                f"{len(staying)} and {len(mice)} would go in.{hint}"))
        sexes = Counter(m.sex for m in staying + list(mice))
        if sexes[Mouse.Sex.MALE] and sexes[Mouse.Sex.FEMALE] and cage.pk not in in_mating \
                and not cage.matings.filter(ended_on__isnull=True).exists():
            findings.warn(f"Cage {cage.cage_id} would hold males and females together outside a mating.")


def _move_findings(findings: Findings, mice: list[Mouse], cage: Cage, on: date, today: date) -> None:
    if cage.closed_on is not None:
        findings.error("cage", f"Cage {cage.cage_id} was closed on {cage.closed_on}; open another cage.")
    if on < cage.opened_on:
        findings.error("date", f"Cage {cage.cage_id} opened on {cage.opened_on}, after the move date {on}.")
    not_in_future(findings, "date", on, "The move date", today)
    current = {p.mouse_id: p for p in CagePlacement.objects.filter(mouse__in=mice, ended_on__isnull=True)}
    for mouse in mice:
        if mouse.centre_id != cage.centre_id:
            findings.error("mice", f"Mouse {mouse.specimen_id} does not belong to your centre.")
        if not mouse.is_alive:
            findings.error("mice", f"Mouse {mouse.specimen_id} is {mouse.get_status_display().lower()}; "
                                   "only live mice move.")
        placement = current.get(mouse.pk)
        if placement and on < placement.started_on:
            findings.error("date", f"Mouse {mouse.specimen_id} moved into {placement.cage} on "
                                   f"{placement.started_on}; a move cannot be back-dated before the last one.")


def place(mice: list[Mouse], cage: Cage, on: date, reason: str) -> None:
    """Close the mice's open placements on `on` and open new ones in `cage` (no checks: callers check)."""
    CagePlacement.objects.filter(mouse__in=mice, ended_on__isnull=True).update(ended_on=on)
    CagePlacement.objects.bulk_create([CagePlacement(mouse=m, cage=cage, started_on=on, reason=reason)
                                       for m in mice])


@transaction.atomic
def mice_move(*, actor, mice: list[Mouse], cage: Cage, on: date | None = None, reason: str = "move",
              confirm: bool = False) -> list[Mouse]:
    """Move several mice into one cage on one date, all or none.

    Raises:
        ValidationError: a closed or full cage (the message names its capacity), a dead mouse, a back-dated move,
            an adult male into a cage holding another male's active mating (the message names the mating).
        NeedsConfirmation: males and females would share the cage outside a mating.
    """
    today = date.today()
    on = on or today
    mice = list(mice)
    findings = Findings()
    if not mice:
        findings.error("mice", "Choose at least one mouse to move.")
    cages_lock([cage])
    _move_findings(findings, mice, cage, on, today)
    capacity_findings(findings, {cage: [m for m in mice]})
    breeding_cage_findings(findings, {cage: mice}, on)
    note = findings.check(confirm=confirm)
    with audited(actor, "colonies.mice.moved", reason=note):
        place(mice, cage, on, reason or "move")
        reminders_touch(centre=cage.centre_id, mice=mice)
    return mice


# --- Leaving the colony ---------------------------------------------------------------------------------------

LEAVING_STATUSES = (Mouse.Status.DEAD, Mouse.Status.CULLED, Mouse.Status.EXPORTED, Mouse.Status.USED)


def close_life(mice: list[Mouse], on: date) -> None:
    """A mouse that leaves (dies, is culled, exported or used) leaves its cage and its matings on that day."""
    CagePlacement.objects.filter(mouse__in=mice, ended_on__isnull=True).update(ended_on=on)
    MatingFemale.objects.filter(female__in=mice, left_on__isnull=True).update(left_on=on)


@transaction.atomic
def mice_set_status(*, actor, mice: list[Mouse], status: str, on: date | None = None, reason: str) -> list[Mouse]:
    """Cull (or mark dead, exported, used) several mice with one reason and date.

    Each leaves its cage and its matings that day, and its open phenotyping tests close (IMPC_PSC_001/002).
    """
    today = date.today()
    on = on or today
    mice = list(mice)
    findings = Findings()
    if status not in LEAVING_STATUSES:
        findings.error("status", f"Choose one of: {', '.join(s.label.lower() for s in LEAVING_STATUSES)}.")
    if not (reason or "").strip():
        findings.error("reason", "Give the reason (it is kept in each mouse's history).")
    if not mice:
        findings.error("mice", "Choose at least one mouse.")
    not_in_future(findings, "date", on, "The date", today)
    for mouse in mice:
        if not mouse.is_alive:
            findings.error("mice", f"Mouse {mouse.specimen_id} is already {mouse.get_status_display().lower()}.")
        elif mouse.date_of_birth and on < mouse.date_of_birth:
            findings.error("date", f"Mouse {mouse.specimen_id} was born on {mouse.date_of_birth}, after {on}.")
    findings.check(confirm=True)
    from colonies.services.mice import mouse_update  # mice imports this module

    with audited(actor, f"colonies.mice.{status}", reason=reason.strip()), reminders_batch():
        for mouse in mice:
            mouse_update(instance=mouse, actor=actor, status=status, status_date=on, status_reason=reason.strip())
    return mice


# --- IDs -------------------------------------------------------------------------------------------------------

_SEQ = re.compile(r"\{seq(?::0?(\d+))?\}")


def next_mouse_id(centre, *, colony=None, on: date | None = None) -> str:
    """The next mouse ID from the centre's pattern, e.g. "{centre}-{yy}-{seq:05}" → "H-26-00017".

    The counter runs per expansion of the pattern without `{seq}` (so "{colony}-{seq}" counts per colony), under a
    row lock; an ID already used by a mouse entered by hand is skipped.
    """
    on = on or date.today()
    pattern = colony_settings_for(centre).mouse_id_pattern
    values = {"centre": centre.code, "colony": colony.name if colony else "BL", "year": f"{on.year}",
              "yy": f"{on.year % 100:02d}"}
    prefix = _SEQ.sub("#", pattern).format(**values)
    width = int((_SEQ.search(pattern) or [None, "0"])[1] or 0)
    if width > 9:  # a pattern saved before colony_settings refused it: never build a 10^9-character ID
        raise ValidationError({"specimen_id": [f"Your centre's mouse-ID pattern asks for a {width}-digit number; "
                                               "set a width of at most 9 in Colony → Settings."]})
    while True:
        number = _next_number(centre, f"mouse:{prefix}")
        candidate = prefix.replace("#", f"{number:0{width}d}") if "#" in prefix else f"{prefix}{number}"
        if not Mouse.objects.filter(centre=centre, specimen_id=candidate).exists():
            return candidate
