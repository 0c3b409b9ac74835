"""Reminders: what a colony manager has to do, derived every day from the colony data (MouseDB's to-do lists,
krill's "needs", the wean and litter-check reminders users of Alyx asked for).

A reminder is derived data with a stable `key` naming the job and its subject (`wean:litter:12`). The daily run
(`reminders_compute`) upserts one row per key that is due on or before the day, leaves done rows alone (a job done
stays done; its key is never recreated) and deletes the open rows whose condition no longer holds (the litter was
weaned, the mating ended, the mouse was genotyped or died). Deleting is safe: nothing scientific is lost, and
pghistory keeps the event. Every threshold comes from the centre's `ColonySettings` (unsaved defaults when the centre
has no row) and, for weaning, the strain's `StrainSetting`.

The run reads each kind of subject with one query per centre, whatever the number of matings, so a big colony costs
the same number of round trips as a small one.

The list is also kept current between runs: every breeding or genotyping write names the records it touched
(`reminders_touch`: a mating set up or ended, a litter recorded or weaned, a genotype recorded, a mouse registered,
moved or dead) and `reminders_refresh` recomputes the reminders of those subjects only, in the same transaction,
in a fixed number of queries whatever their number. No broker is involved, so the to-do page is right with or
without Redis; the 05:00 run stays as the safety net (and catches what no write touches: a reminder falling due
because a day passed). Imports and other loops gather their touches with `reminders_batch()` and refresh once.
"""
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from colonies.models import (
    CagePlacement,
    ColonySettings,
    GenotypeResult,
    Litter,
    Mating,
    MatingFemale,
    Mouse,
    Reminder,
    StrainSetting,
)
from colonies.selectors import colony_settings_for
from colonies.services.common import audited
from colonies.services.digest import reminder_digest_send
from lims.exceptions import Conflict
from lims.models import Centre

Kind = Reminder.Kind
logger = logging.getLogger(__name__)

# The fields a recompute may change on an open reminder (its subject and kind are fixed by the key).
_UPDATABLE = ("due_on", "title", "assigned_to_id", "mating_id", "litter_id", "mouse_id")
_TITLE_LENGTH = Reminder._meta.get_field("title").max_length


@dataclass
class Due:
    """One job found due by the run, before it is matched against the stored reminders."""

    kind: str
    key: str
    due_on: date
    title: str
    mating_id: int | None = None
    litter_id: int | None = None
    mouse_id: int | None = None
    assigned_to_id: int | None = None


@dataclass
class ComputeSummary:
    """What one run did for one centre: the jobs due (by kind), and how many rows it created, changed, removed."""

    centre: str
    today: date
    due: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    removed: int = 0
    already_done: int = 0
    emails_sent: int = 0

    def as_dict(self) -> dict:
        return {"centre": self.centre, "today": self.today.isoformat(),
                "due": {str(kind): count for kind, count in self.due.items()},
                "created": self.created, "updated": self.updated, "removed": self.removed,
                "already_done": self.already_done, "emails_sent": self.emails_sent}

    def __str__(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.due.items())) or "nothing"
        return (f"{self.centre} on {self.today.isoformat()}: due {kinds}; {self.created} created, "
                f"{self.updated} updated, {self.removed} removed, {self.already_done} already done")


# --- What is due ---------------------------------------------------------------------------------------------------


def _current_cage(mouse_path: str) -> Subquery:
    """The cage ID a mouse (reached by `mouse_path` from the row) lives in now, for the job's title."""
    return Subquery(CagePlacement.objects.filter(mouse=OuterRef(mouse_path), ended_on__isnull=True)
                    .values("cage__cage_id")[:1])


def _in_cage(cage_id: str | None) -> str:
    return f" in cage {cage_id}" if cage_id else ""


def _due_weanings(centre, today: date, cfg: ColonySettings, subjects: Q | None = None) -> list[Due]:
    """Litters born by `today`, not weaned by then and not voided, due `wean_target_days` after birth.

    The litter's strain is its sire's; a per-strain `wean_target_days` wins over the centre's. The title names the
    dam's cage, where the pups are. `subjects` narrows the litters (a refresh after a write).
    """
    overrides = dict(
        StrainSetting.objects.filter(centre=centre, wean_target_days__isnull=False)
        .values_list("strain_id", "wean_target_days")
    )
    litters = (
        Litter.objects.filter(centre=centre, voided_at__isnull=True, mating__voided_at__isnull=True,
                              born_on__lte=today)
        .filter(Q(weaned_on__isnull=True) | Q(weaned_on__gt=today))
        .filter(subjects or Q())
        .annotate(cage_code=_current_cage("dam_id"))
        .values("pk", "code", "born_on", "mating_id", "mating__name", "mating__male__strain_id",
                "mating__responsible_id", "cage_code")
    )
    due = []
    for litter in litters:
        days = overrides.get(litter["mating__male__strain_id"], cfg.wean_target_days)
        due_on = litter["born_on"] + timedelta(days=days)
        if due_on <= today:
            due.append(Due(
                kind=Kind.WEAN, key=f"wean:litter:{litter['pk']}", due_on=due_on,
                title=f"Wean litter {litter['code']} of {litter['mating__name']} "
                      f"(born {litter['born_on'].isoformat()}, {days} days){_in_cage(litter['cage_code'])}",
                litter_id=litter["pk"], mating_id=litter["mating_id"],
                assigned_to_id=litter["mating__responsible_id"],
            ))
    return due


def _active_matings(centre, today: date, subjects: Q | None = None):
    """Matings set up by `today` and not ended by then, with the date of their latest litter and their open females.

    One query for the matings (latest litter as an aggregate) and one for their female rows. `subjects` narrows the
    matings (a refresh after a write).
    """
    open_rows = MatingFemale.objects.filter(Q(left_on__isnull=True) | Q(left_on__gt=today), joined_on__lte=today)
    return (
        Mating.objects.filter(centre=centre, voided_at__isnull=True, set_up_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .filter(subjects or Q())
        .select_related("male")
        .annotate(latest_litter_on=Max("litters__born_on",
                                       filter=Q(litters__voided_at__isnull=True, litters__born_on__lte=today)))
        .prefetch_related(Prefetch("female_rows", queryset=open_rows.select_related("female"), to_attr="open_rows"))
        .order_by("pk")
    )


def _due_for_mating(mating: Mating, today: date, cfg: ColonySettings) -> list[Due]:
    """Litter check, male separation and retirement of one active mating (no queries: all was fetched before)."""
    due = []
    common = {"mating_id": mating.pk, "assigned_to_id": mating.responsible_id}
    reference = mating.latest_litter_on or mating.set_up_on
    since = f"{'its litter of' if mating.latest_litter_on else 'set-up on'} {reference.isoformat()}"

    # Check for a litter: none born since the reference date, which is the latest litter by construction.
    check_on = reference + timedelta(days=cfg.litter_check_days)
    if check_on <= today:
        due.append(Due(kind=Kind.LITTER_CHECK, key=f"litter_check:mating:{mating.pk}:{reference.isoformat()}",
                       due_on=check_on, title=f"Check {mating.name} for a litter ({cfg.litter_check_days} days "
                                              f"after {since})", **common))

    # Take the male out of a trio or harem before the females deliver (two litters in one cage overcrowd it).
    separate_on = mating.set_up_on + timedelta(days=cfg.separate_male_days)
    if len(mating.open_rows) >= 2 and mating.male_separated_on is None and separate_on <= today:
        due.append(Due(kind=Kind.SEPARATE_MALE, key=f"separate_male:mating:{mating.pk}", due_on=separate_on,
                       title=f"Separate male {mating.male.specimen_id} from the {len(mating.open_rows)} females "
                             f"of {mating.name}", **common))

    # Retire: a breeder past the age limit, or no litter for too long. The title says which.
    reasons, dates = [], []
    age = timedelta(days=cfg.retire_age_days)
    breeders = [("male", mating.male)] + [("female", row.female) for row in mating.open_rows]
    old = [(role, mouse) for role, mouse in breeders if mouse.date_of_birth + age <= today]
    if old:
        reasons.append(", ".join(f"{role} {mouse.specimen_id}" for role, mouse in old)
                       + f" older than {cfg.retire_age_days} days")
        dates.append(min(mouse.date_of_birth for _, mouse in old) + age)
    barren_on = reference + timedelta(days=cfg.retire_no_litter_days)
    if barren_on <= today:
        reasons.append(f"no litter for {cfg.retire_no_litter_days} days since {since}")
        dates.append(barren_on)
    if reasons:
        due.append(Due(kind=Kind.RETIRE_BREEDERS, key=f"retire:mating:{mating.pk}", due_on=min(dates),
                       title=f"Retire breeders of {mating.name}: " + "; ".join(reasons), **common))
    return due


def _due_genotypings(centre, today: date, cfg: ColonySettings, subjects: Q | None = None) -> list[Due]:
    """Alive mice of a colony, old enough to genotype, with no live genotype result (one query); the title names
    the mouse's cage. `subjects` narrows the mice (a refresh after a write)."""
    results = GenotypeResult.objects.filter(mouse=OuterRef("pk"), voided_at__isnull=True, tested_on__lte=today)
    mice = (
        Mouse.objects.filter(centre=centre, voided_at__isnull=True, status=Mouse.Status.ALIVE, colony__isnull=False,
                             date_of_birth__lte=today - timedelta(days=cfg.genotype_age_days))
        .filter(subjects or Q())
        .filter(~Exists(results))
        .annotate(cage_code=_current_cage("pk"))
        .values("pk", "specimen_id", "date_of_birth", "colony__name", "litter__mating__responsible_id", "cage_code")
    )
    return [
        Due(kind=Kind.GENOTYPE, key=f"genotype:mouse:{mouse['pk']}",
            due_on=mouse["date_of_birth"] + timedelta(days=cfg.genotype_age_days),
            title=f"Genotype {mouse['specimen_id']} of {mouse['colony__name']} "
                  f"(born {mouse['date_of_birth'].isoformat()}){_in_cage(mouse['cage_code'])}",
            mouse_id=mouse["pk"], assigned_to_id=mouse["litter__mating__responsible_id"])
        for mouse in mice
    ]


def reminders_due(*, centre: Centre, today: date) -> list[Due]:
    """Every job of the centre due on or before `today` (whether or not already done), read in five queries."""
    cfg = colony_settings_for(centre)
    due = _due_weanings(centre, today, cfg)
    for mating in _active_matings(centre, today):
        due.extend(_due_for_mating(mating, today, cfg))
    due.extend(_due_genotypings(centre, today, cfg))
    return due


# --- Writing the reminders -----------------------------------------------------------------------------------------


@transaction.atomic
def reminders_compute(*, centre: Centre, today: date | None = None, actor=None) -> ComputeSummary:
    """Bring the centre's reminders in line with what is due on or before `today`; return what changed.

    One row per key: created when newly due, its due date, title and assignee refreshed while open, left alone once
    done (never recreated), deleted while open when its condition no longer holds. The centre row is locked first,
    so two runs for the same centre (beat and a manual command) queue instead of racing on the unique key.
    """
    today = today or timezone.localdate()
    Centre.objects.select_for_update().filter(pk=centre.pk).values_list("pk", flat=True).first()
    due = {item.key: item for item in reminders_due(centre=centre, today=today)}
    stored = {
        reminder.key: reminder
        for reminder in Reminder.objects.filter(centre=centre).filter(Q(done_at__isnull=True) | Q(key__in=list(due)))
    }
    summary = ComputeSummary(centre=centre.code, today=today)
    summary.due = dict(Counter(item.kind for key, item in due.items()
                               if key not in stored or stored[key].done_at is None))
    summary.already_done = sum(1 for key in due if key in stored and stored[key].done_at is not None)
    with audited(actor, "colonies.reminder.computed", reason=f"Reminders due on {today.isoformat()}"):
        summary.created, summary.updated, summary.removed = _sync(centre, due, stored)
    return summary


def _sync(centre: Centre | int, due: dict[str, Due], stored: dict[str, Reminder]) -> tuple[int, int, int]:
    """Write `due` over `stored` (the open reminders in scope, and the done ones of the due keys); return how many
    rows were created, updated and removed. Three statements at most, whatever the numbers."""
    centre_id = getattr(centre, "pk", centre)
    to_create, to_update = [], []
    for key, item in due.items():
        item.title = item.title[:_TITLE_LENGTH]  # long colony names and cage IDs must not break the run
        reminder = stored.get(key)
        if reminder is None:
            to_create.append(Reminder(centre_id=centre_id, kind=item.kind, key=key, due_on=item.due_on,
                                      title=item.title, mating_id=item.mating_id, litter_id=item.litter_id,
                                      mouse_id=item.mouse_id, assigned_to_id=item.assigned_to_id))
        elif reminder.done_at is None:
            changed = False
            for name in _UPDATABLE:
                if getattr(reminder, name) != getattr(item, name):
                    setattr(reminder, name, getattr(item, name))
                    changed = True
            if changed:
                reminder.updated_at = timezone.now()
                to_update.append(reminder)
    stale = [reminder.pk for key, reminder in stored.items() if reminder.done_at is None and key not in due]
    removed = 0
    if to_create:
        # A key done or created by a concurrent writer after our read is left as it is.
        Reminder.objects.bulk_create(to_create, ignore_conflicts=True)
    if to_update:
        Reminder.objects.bulk_update(to_update, [*_UPDATABLE, "updated_at"])
    if stale:
        # Only while still open: a reminder ticked off meanwhile is history, not derived data.
        removed, _ = Reminder.objects.filter(pk__in=stale, done_at__isnull=True).delete()
    return len(to_create), len(to_update), removed


# --- Keeping the list current between runs -------------------------------------------------------------------------


@dataclass
class Touched:
    """The records one write (or one batch of writes) changed in one centre, by id."""

    matings: set[int] = field(default_factory=set)
    litters: set[int] = field(default_factory=set)
    mice: set[int] = field(default_factory=set)

    def add(self, *, matings: Iterable = (), litters: Iterable = (), mice: Iterable = ()) -> None:
        self.matings.update(_ids(matings))
        self.litters.update(_ids(litters))
        self.mice.update(_ids(mice))


def _ids(records: Iterable) -> set[int]:
    return {getattr(r, "pk", r) for r in records if r is not None and getattr(r, "pk", r) is not None}


_batch: ContextVar[dict[int, Touched] | None] = ContextVar("reminders_batch", default=None)


@contextmanager
def reminders_batch() -> Iterator[None]:
    """Gather every `reminders_touch` inside the block and refresh once at its end (imports, loops of writes).

    Nested blocks join the outermost one. When the block raises, nothing is refreshed (the writes roll back too).
    """
    if _batch.get() is not None:
        yield
        return
    token = _batch.set({})
    try:
        yield
        pending = _batch.get()
    finally:
        _batch.reset(token)
    for centre_id, touched in pending.items():
        reminders_refresh(centre=centre_id, **vars(touched))


def reminders_touch(*, centre: Centre | int, matings: Iterable = (), litters: Iterable = (),
                    mice: Iterable = ()) -> None:
    """Say which records (or ids) a write of `centre` changed, so that their reminders follow now (inside a
    `reminders_batch`: at its end)."""
    pending = _batch.get()
    if pending is None:
        reminders_refresh(centre=centre, matings=matings, litters=litters, mice=mice)
        return
    pending.setdefault(getattr(centre, "pk", centre), Touched()).add(matings=matings, litters=litters, mice=mice)


def _scopes(touched: Touched) -> tuple[Q, Q, Q]:
    """What the touched records can change, as filters on litters, matings and mice.

    A mouse's change reaches its own genotyping, the litters it is the dam of (the wean title names her cage) and
    the matings it is a parent in (a dead female leaves her mating); a mating's reaches its litters.
    """
    mice, matings = touched.mice, touched.matings
    parent_in = MatingFemale.objects.filter(female_id__in=mice).values("mating_id")
    litters = Q(pk__in=touched.litters) | Q(mating_id__in=matings) | Q(dam_id__in=mice)
    mating_scope = Q(pk__in=matings) | Q(male_id__in=mice) | Q(pk__in=parent_in)
    return litters, mating_scope, Q(pk__in=mice)


_MATING_KINDS = (Kind.LITTER_CHECK, Kind.SEPARATE_MALE, Kind.RETIRE_BREEDERS)


@transaction.atomic(savepoint=False)
def reminders_refresh(*, centre: Centre | int, matings: Iterable = (), litters: Iterable = (), mice: Iterable = (),
                      today: date | None = None) -> tuple[int, int, int]:
    """Recompute the reminders of the given records (and of what they reach, see `_scopes`) for `today`.

    The same rules as the daily run, on a narrower set: due jobs are created or refreshed, open jobs that no longer
    hold are removed (the litter check of a mating that just had its litter), done jobs stay done. About a dozen
    queries whatever the number of records. A shared lock on the centre row lets refreshes run side by side while
    the daily run (which locks the row for update) waits for them, and they for it, so neither writes from a stale
    read. Returns (created, updated, removed).
    """
    touched = Touched()
    touched.add(matings=matings, litters=litters, mice=mice)
    if not (touched.matings or touched.litters or touched.mice):
        return 0, 0, 0
    today = today or timezone.localdate()
    centre = getattr(centre, "pk", centre)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT 1 FROM "{Centre._meta.db_table}" WHERE id = %s FOR SHARE', [centre])
    cfg = colony_settings_for(centre)
    litter_scope, mating_scope, mouse_scope = _scopes(touched)
    due_list = []
    due_list += _due_weanings(centre, today, cfg, litter_scope)
    if touched.matings or touched.mice:
        for mating in _active_matings(centre, today, mating_scope):
            due_list.extend(_due_for_mating(mating, today, cfg))
    if touched.mice:
        due_list += _due_genotypings(centre, today, cfg, mouse_scope)
    due = {item.key: item for item in due_list}
    in_scope = Q(kind=Kind.WEAN, litter__in=Litter.objects.filter(litter_scope).values("pk"))
    if touched.matings or touched.mice:
        in_scope |= Q(kind__in=_MATING_KINDS, mating__in=Mating.objects.filter(mating_scope).values("pk"))
    if touched.mice:
        in_scope |= Q(kind=Kind.GENOTYPE, mouse_id__in=touched.mice)
    stored = {r.key: r for r in Reminder.objects.filter(centre=centre).filter(
        (in_scope & Q(done_at__isnull=True)) | Q(key__in=list(due)))}
    # No audit context of its own: the reminder events carry the context of the write that touched them.
    return _sync(centre, due, stored)


@transaction.atomic
def reminder_done(*, actor, reminder: Reminder) -> Reminder:
    """Tick a reminder off: it stays done, and the daily run never recreates its key.

    Raises:
        Conflict: someone already marked it done.
    """
    now = timezone.now()
    with audited(actor, "colonies.reminder.done"):
        claimed = Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(
            done_at=now, done_by=actor, updated_at=now)
    if claimed != 1:
        raise Conflict("This reminder is already done.")
    reminder.refresh_from_db()
    return reminder


@transaction.atomic
def reminder_reopen(*, actor, reminder: Reminder) -> Reminder:
    """Put a done reminder back on the list (ticked by mistake); the next run removes it if no longer due.

    Raises:
        Conflict: the reminder is not done.
    """
    with audited(actor, "colonies.reminder.reopened"):
        reopened = Reminder.objects.filter(pk=reminder.pk, done_at__isnull=False).update(
            done_at=None, done_by=None, updated_at=timezone.now())
    if reopened != 1:
        raise Conflict("This reminder is not done.")
    reminder.refresh_from_db()
    return reminder


# --- Daily run (with the e-mail digest, `colonies.services.digest`) -----------------------------------------------


def reminders_compute_all(*, today: date | None = None) -> list[ComputeSummary]:
    """Compute every centre's reminders for `today`, then send the digests of the centres that want one.

    Each centre is its own transaction, and one centre's failure (or its mail server's) neither undoes nor stops
    another's list; the first error is raised once every centre has had its turn, so the run still shows as failed.
    """
    today = today or timezone.localdate()
    digest = set(ColonySettings.objects.filter(email_digest=True).values_list("centre_id", flat=True))
    summaries, errors = [], []
    for centre in Centre.objects.order_by("code"):
        try:
            summary = reminders_compute(centre=centre, today=today)
            if centre.pk in digest:
                summary.emails_sent = reminder_digest_send(centre=centre, today=today)
        except Exception as exc:
            logger.exception("Reminders of centre %s failed", centre.code)
            errors.append(exc)
            continue
        summaries.append(summary)
    if errors:
        raise errors[0]
    return summaries


__all__ = ["ComputeSummary", "Due", "reminder_digest_send", "reminder_done",
           "reminder_reopen", "reminders_batch", "reminders_compute", "reminders_compute_all", "reminders_due",
           "reminders_refresh", "reminders_touch"]
