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
"""
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from colonies.models import (
    ColonySettings,
    GenotypeResult,
    Litter,
    Mating,
    MatingFemale,
    Mouse,
    Reminder,
    StrainSetting,
)
from colonies.services.common import audited
from lims.exceptions import Conflict
from lims.models import Centre, Role

Kind = Reminder.Kind
logger = logging.getLogger(__name__)

# The fields a recompute may change on an open reminder (its subject and kind are fixed by the key).
_UPDATABLE = ("due_on", "title", "assigned_to_id", "mating_id", "litter_id", "mouse_id")


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


def colony_settings_for(centre: Centre) -> ColonySettings:
    """The centre's thresholds; a centre without a row gets the model's defaults (unsaved)."""
    return ColonySettings.objects.filter(centre=centre).first() or ColonySettings(centre=centre)


# --- What is due ---------------------------------------------------------------------------------------------------


def _due_weanings(centre, today: date, cfg: ColonySettings) -> list[Due]:
    """Litters born by `today`, not weaned by then and not voided, due `wean_target_days` after birth.

    The litter's strain is its sire's; a per-strain `wean_target_days` wins over the centre's.
    """
    overrides = dict(
        StrainSetting.objects.filter(centre=centre, wean_target_days__isnull=False)
        .values_list("strain_id", "wean_target_days")
    )
    litters = (
        Litter.objects.filter(centre=centre, voided_at__isnull=True, mating__voided_at__isnull=True,
                              born_on__lte=today)
        .filter(Q(weaned_on__isnull=True) | Q(weaned_on__gt=today))
        .values("pk", "code", "born_on", "mating_id", "mating__name", "mating__male__strain_id",
                "mating__responsible_id")
    )
    due = []
    for litter in litters:
        days = overrides.get(litter["mating__male__strain_id"], cfg.wean_target_days)
        due_on = litter["born_on"] + timedelta(days=days)
        if due_on <= today:
            due.append(Due(
                kind=Kind.WEAN, key=f"wean:litter:{litter['pk']}", due_on=due_on,
                title=f"Wean litter {litter['code']} of {litter['mating__name']} "
                      f"(born {litter['born_on'].isoformat()}, {days} days)",
                litter_id=litter["pk"], mating_id=litter["mating_id"],
                assigned_to_id=litter["mating__responsible_id"],
            ))
    return due


def _active_matings(centre, today: date):
    """Matings set up by `today` and not ended by then, with the date of their latest litter and their open females.

    One query for the matings (latest litter as an aggregate) and one for their female rows.
    """
    open_rows = MatingFemale.objects.filter(Q(left_on__isnull=True) | Q(left_on__gt=today), joined_on__lte=today)
    return (
        Mating.objects.filter(centre=centre, voided_at__isnull=True, set_up_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
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


def _due_genotypings(centre, today: date, cfg: ColonySettings) -> list[Due]:
    """Alive mice of a colony, old enough to genotype, with no live genotype result (one query)."""
    results = GenotypeResult.objects.filter(mouse=OuterRef("pk"), voided_at__isnull=True, tested_on__lte=today)
    mice = (
        Mouse.objects.filter(centre=centre, voided_at__isnull=True, status=Mouse.Status.ALIVE, colony__isnull=False,
                             date_of_birth__lte=today - timedelta(days=cfg.genotype_age_days))
        .filter(~Exists(results))
        .values("pk", "specimen_id", "date_of_birth", "colony__name", "litter__mating__responsible_id")
    )
    return [
        Due(kind=Kind.GENOTYPE, key=f"genotype:mouse:{mouse['pk']}",
            due_on=mouse["date_of_birth"] + timedelta(days=cfg.genotype_age_days),
            title=f"Genotype {mouse['specimen_id']} of {mouse['colony__name']} "
                  f"(born {mouse['date_of_birth'].isoformat()})",
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

    to_create, to_update = [], []
    for key, item in due.items():
        reminder = stored.get(key)
        if reminder is None:
            to_create.append(Reminder(centre=centre, kind=item.kind, key=key, due_on=item.due_on, title=item.title,
                                      mating_id=item.mating_id, litter_id=item.litter_id, mouse_id=item.mouse_id,
                                      assigned_to_id=item.assigned_to_id))
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

    with audited(actor, "colonies.reminder.computed", reason=f"Reminders due on {today.isoformat()}"):
        if to_create:
            # A key done or created by a concurrent writer after our read is left as it is.
            Reminder.objects.bulk_create(to_create, ignore_conflicts=True)
        if to_update:
            Reminder.objects.bulk_update(to_update, [*_UPDATABLE, "updated_at"])
        if stale:
            # Only while still open: a reminder ticked off meanwhile is history, not derived data.
            summary.removed, _ = Reminder.objects.filter(pk__in=stale, done_at__isnull=True).delete()
    summary.created, summary.updated = len(to_create), len(to_update)
    return summary


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


# --- Daily run and e-mail digest -----------------------------------------------------------------------------------


def reminder_digest_send(*, centre: Centre, today: date) -> int:
    """E-mail each colony manager of the centre (with an address) their open reminders; return how many mails left.

    "Theirs" is what the to-do page shows by default: assigned to them, or to nobody. A manager with nothing due
    gets no mail. Two queries whatever the number of managers.
    """
    from lims.models import User

    managers = list(User.objects.filter(centre=centre, role=Role.COLONY_MANAGER, is_active=True)
                    .exclude(email="").order_by("username"))
    if not managers:
        return 0
    open_reminders = list(
        Reminder.objects.filter(centre=centre, done_at__isnull=True, due_on__lte=today)
        .select_related("assigned_to").order_by("due_on", "kind", "pk")
    )
    by_user = defaultdict(list)
    unassigned = [r for r in open_reminders if r.assigned_to_id is None]
    for reminder in open_reminders:
        if reminder.assigned_to_id is not None:
            by_user[reminder.assigned_to_id].append(reminder)
    site = getattr(django_settings, "LIMS_SITE_URL", "").rstrip("/")
    todo_url = site + reverse("colonies:todo")
    messages = []
    for manager in managers:
        mine = sorted(by_user[manager.pk] + unassigned, key=lambda r: (r.due_on, r.kind, r.pk))
        if not mine:
            continue
        context = {"user": manager, "centre": centre, "today": today, "reminders": mine, "todo_url": todo_url,
                   "overdue": sum(1 for r in mine if r.due_on < today)}
        subject = " ".join(render_to_string("colonies/emails/reminder_digest_subject.txt", context).split())
        body = render_to_string("colonies/emails/reminder_digest.txt", context)
        messages.append(EmailMessage(subject=subject, body=body, to=[manager.email]))
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


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
        except Exception as exc:  # noqa: BLE001 - logged here, raised after the other centres
            logger.exception("Reminders of centre %s failed", centre.code)
            errors.append(exc)
            continue
        summaries.append(summary)
    if errors:
        raise errors[0]
    return summaries


__all__ = ["ComputeSummary", "Due", "colony_settings_for", "reminder_digest_send", "reminder_done",
           "reminder_reopen", "reminders_compute", "reminders_compute_all", "reminders_due"]
