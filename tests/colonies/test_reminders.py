"""Reminders: the daily run lists exactly what is due on a given day, keeps done jobs done, drops jobs that no longer
hold, reads a bounded number of queries per centre, mails the managers' digests, and feeds the to-do page."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from colonies.models import (
    ColonySettings,
    GenotypeResult,
    Litter,
    Mating,
    Mouse,
    Reminder,
    StrainSetting,
)
from colonies.services import reminder_done, reminder_reopen, reminders_compute
from colonies.tasks import reminders_compute_all
from lims.exceptions import Conflict
from lims.models import Role
from tests.colonies.helpers import make_mating
from tests.factories import (
    ColonyFactory,
    GenotypingAssayFactory,
    GenotypingSampleFactory,
    LitterFactory,
    MatingFemaleFactory,
    MouseFactory,
    StrainFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
D = dt.date
K = Reminder.Kind


def make_litter(mating, code, born_on, **kwargs) -> Litter:
    return LitterFactory(mating=mating, code=code, born_on=born_on, **kwargs)


def subjects(centre, *kinds, open_only=False) -> set[tuple[str, str]]:
    """(kind, subject) of the centre's reminders of `kinds`: a litter's code, a mating's name or a mouse's ID."""
    reminders = Reminder.objects.filter(centre=centre, kind__in=kinds).select_related("litter", "mating", "mouse")
    if open_only:
        reminders = reminders.filter(done_at__isnull=True)
    return {(r.kind, str(r.litter or r.mouse or r.mating)) for r in reminders}


@pytest.fixture
def colony(centre):
    return ColonyFactory(centre=centre, name="HAR-PAX6")


@pytest.fixture
def farm(centre, colony, manager):
    """GIVEN on 2026-03-01 (centre defaults: wean at 21 days, litter check 21 days after set-up or the last litter):
    - DUE-CHECK set up 2026-01-20, no litter but a voided one (check due 02-10);
    - EXACT set up 2026-02-08 (check due today, 03-01);
    - NOT-YET set up 2026-02-15 (check due 03-08);
    - RECENT set up 2026-01-01 with litter L-RECENT born 02-20 (wean and check due 03-13);
    - OLD set up 2026-01-05 with litter L-OLD born 01-25, unweaned (wean and check due 02-15);
    - WEANED set up 2026-01-01 with litter L-WEANED born 01-21, weaned 02-11 (check due 02-11);
    - YOUNG set up 2026-01-26 with litter L-YOUNG born 02-15 (wean and check due 03-08);
    - ENDED set up 2026-01-01, ended 02-01 (nothing).
    """
    m = {}
    for name, set_up in [("DUE-CHECK", D(2026, 1, 20)), ("EXACT", D(2026, 2, 8)), ("NOT-YET", D(2026, 2, 15)),
                         ("RECENT", D(2026, 1, 1)), ("OLD", D(2026, 1, 5)), ("WEANED", D(2026, 1, 1)),
                         ("YOUNG", D(2026, 1, 26)), ("ENDED", D(2026, 1, 1))]:
        m[name] = make_mating(centre, colony, name, set_up, responsible=manager)
    Mating.objects.filter(pk=m["ENDED"].pk).update(ended_on=D(2026, 2, 1), end_reason="Retired")
    litters = {
        "L-VOID": make_litter(m["DUE-CHECK"], "L-VOID", D(2026, 2, 12),
                              voided_at=dt.datetime(2026, 2, 13, tzinfo=dt.UTC)),
        "L-RECENT": make_litter(m["RECENT"], "L-RECENT", D(2026, 2, 20)),
        "L-OLD": make_litter(m["OLD"], "L-OLD", D(2026, 1, 25)),
        "L-WEANED": make_litter(m["WEANED"], "L-WEANED", D(2026, 1, 21), weaned_on=D(2026, 2, 11)),
        "L-YOUNG": make_litter(m["YOUNG"], "L-YOUNG", D(2026, 2, 15)),
    }
    return {"matings": m, "litters": litters}


EXPECTED = {
    (K.WEAN, "L-OLD"),
    (K.LITTER_CHECK, "DUE-CHECK"), (K.LITTER_CHECK, "EXACT"), (K.LITTER_CHECK, "OLD"), (K.LITTER_CHECK, "WEANED"),
}


# --- Acceptance: the run for a given date lists exactly the due weanings and litter checks -------------------------


def test_celery_task_lists_exactly_the_due_weanings_and_litter_checks(centre, farm, eager_tasks):
    result = reminders_compute_all.delay(today=TODAY.isoformat()).get()

    assert subjects(centre, K.WEAN, K.LITTER_CHECK) == EXPECTED
    harwell = next(s for s in result if s["centre"] == "H")
    assert harwell["due"][K.WEAN] == 1 and harwell["due"][K.LITTER_CHECK] == 4
    wean = Reminder.objects.get(centre=centre, kind=K.WEAN)
    assert (wean.key, wean.due_on) == (f"wean:litter:{farm['litters']['L-OLD'].pk}", D(2026, 2, 15))
    check = Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating=farm["matings"]["OLD"])
    # The reference date is the latest litter, and it is part of the key (a new litter makes a new check).
    assert (check.key, check.due_on) == (f"litter_check:mating:{farm['matings']['OLD'].pk}:2026-01-25", D(2026, 2, 15))
    assert Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating=farm["matings"]["EXACT"]).due_on == TODAY


def test_command_lists_the_same_and_prints_the_summary(centre, farm):
    out = io.StringIO()
    call_command("reminders_compute", "--date", "2026-03-01", "--centre", "h", stdout=out)

    assert subjects(centre, K.WEAN, K.LITTER_CHECK) == EXPECTED
    assert "H on 2026-03-01" in out.getvalue()
    assert "litter_check 4" in out.getvalue() and "wean 1" in out.getvalue()


def test_command_refuses_a_bad_date_and_an_unknown_centre(centre):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("reminders_compute", "--date", "2026-02-30")
    with pytest.raises(CommandError):
        call_command("reminders_compute", "--centre", "NOPE")


def test_a_day_earlier_lists_less(centre, farm):
    """GIVEN the same data on 2026-02-28 THEN EXACT's check (due 03-01) is not yet listed."""
    reminders_compute(centre=centre, today=D(2026, 2, 28))
    assert subjects(centre, K.WEAN, K.LITTER_CHECK) == EXPECTED - {(K.LITTER_CHECK, "EXACT")}


def test_reminders_are_assigned_to_the_matings_responsible(centre, farm, manager):
    reminders_compute(centre=centre, today=TODAY)
    assert set(Reminder.objects.filter(centre=centre, kind__in=[K.WEAN, K.LITTER_CHECK])
               .values_list("assigned_to", flat=True)) == {manager.pk}


def test_strain_override_moves_the_wean_date(centre, colony):
    """GIVEN two litters born 2026-02-06 (default due 02-27), one sired by a C3H male whose strain weans at 28 days
    THEN only the other is due on 03-01; the C3H one falls due on 03-06."""
    c3h = StrainFactory(name="C3H/HeN", mgi_id="MGI:2160973")
    StrainSetting.objects.create(centre=centre, strain=c3h, wean_target_days=28)
    b6 = make_mating(centre, colony, "B6", D(2026, 1, 17))
    slow = make_mating(centre, colony, "C3H", D(2026, 1, 17), male__strain=c3h)
    make_litter(b6, "L-B6", D(2026, 2, 6))
    make_litter(slow, "L-C3H", D(2026, 2, 6))

    reminders_compute(centre=centre, today=TODAY)
    assert subjects(centre, K.WEAN) == {(K.WEAN, "L-B6")}

    reminders_compute(centre=centre, today=D(2026, 3, 6))
    assert Reminder.objects.get(centre=centre, kind=K.WEAN, litter__code="L-C3H").due_on == D(2026, 3, 6)


def test_centre_settings_row_changes_the_thresholds(centre, farm):
    """GIVEN the centre checks for a litter 30 days after set-up (or the last litter) THEN DUE-CHECK (01-20 + 30),
    OLD (01-25 + 30) and WEANED (01-21 + 30) are still due on 03-01, but EXACT (02-08 + 30 = 03-10) is not."""
    ColonySettings.objects.create(centre=centre, litter_check_days=30)
    reminders_compute(centre=centre, today=TODAY)
    assert subjects(centre, K.LITTER_CHECK) == {(K.LITTER_CHECK, "DUE-CHECK"), (K.LITTER_CHECK, "OLD"),
                                                (K.LITTER_CHECK, "WEANED")}


# --- Idempotence, done stays done, stale jobs removed ---------------------------------------------------------------


def test_rerun_is_idempotent(centre, farm):
    first = reminders_compute(centre=centre, today=TODAY)
    count = Reminder.objects.filter(centre=centre).count()
    second = reminders_compute(centre=centre, today=TODAY)

    assert first.created == count > 0
    assert (second.created, second.updated, second.removed) == (0, 0, 0)
    assert Reminder.objects.filter(centre=centre).count() == count
    assert second.due == first.due


def test_open_reminder_follows_a_new_responsible_but_a_done_one_keeps_its_assignee(centre, farm, manager, tech):
    reminders_compute(centre=centre, today=TODAY)
    done = Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating__name="EXACT")
    reminder_done(actor=manager, reminder=done)
    Mating.objects.filter(name__in=["OLD", "EXACT"]).update(responsible=tech)

    summary = reminders_compute(centre=centre, today=TODAY)

    assert summary.updated == 2  # OLD's wean and litter check
    assert set(Reminder.objects.filter(centre=centre, mating__name="OLD").values_list("assigned_to", flat=True)) == {
        tech.pk}
    done.refresh_from_db()
    assert done.assigned_to == manager


def test_done_stays_done_and_is_not_recreated(centre, farm, manager):
    reminders_compute(centre=centre, today=TODAY)
    wean = Reminder.objects.get(centre=centre, kind=K.WEAN)
    reminder_done(actor=manager, reminder=wean)

    summary = reminders_compute(centre=centre, today=D(2026, 3, 2))

    assert Reminder.objects.filter(centre=centre, key=wean.key).count() == 1
    wean.refresh_from_db()
    assert wean.done_at is not None and wean.done_by == manager
    assert summary.already_done == 1 and K.WEAN not in summary.due
    assert (K.WEAN, "L-OLD") not in subjects(centre, K.WEAN, open_only=True)


def test_done_twice_is_a_conflict_and_reopen_puts_it_back(centre, farm, manager):
    reminders_compute(centre=centre, today=TODAY)
    wean = Reminder.objects.get(centre=centre, kind=K.WEAN)
    reminder_done(actor=manager, reminder=wean)
    with pytest.raises(Conflict):
        reminder_done(actor=manager, reminder=wean)
    reminder_reopen(actor=manager, reminder=wean)
    assert wean.done_at is None and wean.done_by is None
    with pytest.raises(Conflict):
        reminder_reopen(actor=manager, reminder=wean)


def test_done_is_audited_with_the_actor(centre, farm, manager):
    from pghistory.models import Events

    reminders_compute(centre=centre, today=TODAY)
    wean = Reminder.objects.get(centre=centre, kind=K.WEAN)
    reminder_done(actor=manager, reminder=wean)
    event = Events.objects.tracks(wean).order_by("-pgh_created_at", "-pgh_id").first()
    assert event.pgh_context["action"] == "colonies.reminder.done"
    assert event.pgh_context["user"] == manager.pk


def test_computed_and_removed_reminders_leave_events_naming_the_task(centre, farm):
    """Reminders are derived and may be deleted, but pghistory keeps who made and removed them, and why."""
    from pghistory.models import Events

    reminders_compute_all.delay(today=TODAY.isoformat())
    wean = Reminder.objects.get(centre=centre, kind=K.WEAN)
    Litter.objects.filter(code="L-OLD").update(weaned_on=D(2026, 3, 1))
    call_command("reminders_compute", "--date", "2026-03-02", stdout=io.StringIO())

    events = list(Events.objects.filter(pgh_obj_model="colonies.Reminder", pgh_obj_id=str(wean.pk))
                  .order_by("pgh_created_at", "pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "delete"]
    assert events[0].pgh_context["task"] == "colonies.tasks.reminders_compute_all"
    assert events[0].pgh_context["action"] == "colonies.reminder.computed"
    assert events[1].pgh_context["command"] == "reminders_compute"


def test_open_reminders_whose_condition_no_longer_holds_are_removed(centre, colony, farm, manager):
    """GIVEN reminders computed on 03-01, THEN L-OLD is weaned, DUE-CHECK ends, a litter is born to EXACT, one mouse
    is genotyped and one dies: on 03-02 their open reminders are gone; a done one stays."""
    pup_typed = MouseFactory(centre=centre, colony=colony, specimen_id="PUP-TYPED", date_of_birth=D(2026, 2, 1))
    pup_dead = MouseFactory(centre=centre, colony=colony, specimen_id="PUP-DEAD", date_of_birth=D(2026, 2, 1))
    MouseFactory(centre=centre, colony=colony, specimen_id="PUP-OPEN", date_of_birth=D(2026, 2, 1))
    reminders_compute(centre=centre, today=TODAY)
    assert {(K.GENOTYPE, "PUP-TYPED"), (K.GENOTYPE, "PUP-DEAD"), (K.GENOTYPE, "PUP-OPEN")} <= subjects(
        centre, K.GENOTYPE)
    done_check = Reminder.objects.get(centre=centre, kind=K.LITTER_CHECK, mating=farm["matings"]["WEANED"])
    reminder_done(actor=manager, reminder=done_check)
    Mating.objects.filter(pk=farm["matings"]["WEANED"].pk).update(ended_on=D(2026, 3, 1))

    Litter.objects.filter(code="L-OLD").update(weaned_on=D(2026, 3, 1))
    Mating.objects.filter(name="DUE-CHECK").update(ended_on=D(2026, 3, 1))
    make_litter(farm["matings"]["EXACT"], "L-EXACT", D(2026, 3, 1))
    sample = GenotypingSampleFactory(mouse=pup_typed, centre=centre)
    GenotypeResult.objects.create(centre=centre, sample=sample, mouse=pup_typed, assay=GenotypingAssayFactory(
        centre=centre), call="both bands", zygosity=Mouse.Zygosity.HETEROZYGOUS, tested_on=D(2026, 3, 1))
    Mouse.objects.filter(pk=pup_dead.pk).update(status=Mouse.Status.DEAD, status_date=D(2026, 3, 1))

    summary = reminders_compute(centre=centre, today=D(2026, 3, 2))

    assert subjects(centre, K.WEAN, K.LITTER_CHECK, open_only=True) == {(K.LITTER_CHECK, "OLD")}
    assert (K.GENOTYPE, "PUP-OPEN") in subjects(centre, K.GENOTYPE)
    assert not {(K.GENOTYPE, "PUP-TYPED"), (K.GENOTYPE, "PUP-DEAD")} & subjects(centre, K.GENOTYPE)
    assert Reminder.objects.filter(pk=done_check.pk, done_at__isnull=False).exists()
    # wean L-OLD, checks of DUE-CHECK and EXACT (its reference moved to the new litter), two genotypings
    assert summary.removed == 5


def test_a_voided_genotype_result_does_not_count(centre, colony):
    mouse = MouseFactory(centre=centre, colony=colony, specimen_id="PUP-VOID", date_of_birth=D(2026, 2, 1))
    sample = GenotypingSampleFactory(mouse=mouse, centre=centre)
    GenotypeResult.objects.create(centre=centre, sample=sample, mouse=mouse, assay=GenotypingAssayFactory(
        centre=centre), call="x", zygosity=Mouse.Zygosity.HETEROZYGOUS, tested_on=D(2026, 2, 20),
        voided_at=dt.datetime(2026, 2, 21, tzinfo=dt.UTC))
    reminders_compute(centre=centre, today=TODAY)
    assert subjects(centre, K.GENOTYPE) == {(K.GENOTYPE, "PUP-VOID")}


def test_genotype_only_alive_colony_mice_old_enough(centre, colony):
    """Due from 14 days old: a 15-day-old colony mouse is due; a 10-day-old, a baseline and a culled one are not."""
    MouseFactory(centre=centre, colony=colony, specimen_id="OLD-ENOUGH", date_of_birth=D(2026, 2, 14))
    MouseFactory(centre=centre, colony=colony, specimen_id="TOO-YOUNG", date_of_birth=D(2026, 2, 19))
    MouseFactory(centre=centre, colony=None, is_baseline=True, zygosity=Mouse.Zygosity.WILD_TYPE,
                 specimen_id="BASELINE", date_of_birth=D(2026, 2, 1))
    MouseFactory(centre=centre, colony=colony, specimen_id="CULLED", date_of_birth=D(2026, 2, 1),
                 status=Mouse.Status.CULLED)
    reminders_compute(centre=centre, today=TODAY)
    reminder = Reminder.objects.get(centre=centre, kind=K.GENOTYPE)
    assert (reminder.mouse.specimen_id, reminder.due_on) == ("OLD-ENOUGH", D(2026, 2, 28))


# --- Separate the male, retire breeders -----------------------------------------------------------------------------


def test_separate_male_only_for_trios_and_harems(centre, colony):
    """Set up 2026-02-10 (due 02-24): a trio and a harem are due; a pair, a trio whose male is out and a trio one of
    whose females left are not."""
    make_mating(centre, colony, "TRIO", D(2026, 2, 10), females=2)
    make_mating(centre, colony, "HAREM", D(2026, 2, 10), females=4)
    make_mating(centre, colony, "PAIR", D(2026, 2, 10), females=1)
    make_mating(centre, colony, "SEPARATED", D(2026, 2, 10), females=2, male_separated_on=D(2026, 2, 20))
    left = make_mating(centre, colony, "LEFT", D(2026, 2, 10), females=2)
    left.female_rows.filter(pk=left.female_rows.first().pk).update(left_on=D(2026, 2, 15))
    make_mating(centre, colony, "LATE-TRIO", D(2026, 2, 20), females=2)  # due 03-06

    reminders_compute(centre=centre, today=TODAY)

    assert subjects(centre, K.SEPARATE_MALE) == {(K.SEPARATE_MALE, "TRIO"), (K.SEPARATE_MALE, "HAREM")}
    trio = Reminder.objects.get(centre=centre, kind=K.SEPARATE_MALE, mating__name="TRIO")
    assert trio.due_on == D(2026, 2, 24) and "2 females" in trio.title


def test_retire_by_age_and_by_no_litter(centre, colony):
    """Retire at 240 days old or after 60 days without a litter:
    - OLD-MALE: male born 2025-06-01 (240 days on 2026-01-27);
    - OLD-FEMALE: a female born 2025-06-10 (240 days on 2026-02-05);
    - BARREN: set up 2025-12-01, no litter (60 days on 2026-01-30);
    - FERTILE: set up 2025-12-01 with a litter on 2026-01-15 (60 days on 03-16: not yet);
    - YOUNG: young breeders set up 2026-01-15."""
    make_mating(centre, colony, "OLD-MALE", D(2026, 1, 15), male__date_of_birth=D(2025, 6, 1),
                male__specimen_id="OLD-M")
    old_female = make_mating(centre, colony, "OLD-FEMALE", D(2026, 1, 15))
    MatingFemaleFactory(mating=old_female, female__date_of_birth=D(2025, 6, 10), female__specimen_id="OLD-F")
    make_mating(centre, colony, "BARREN", D(2025, 12, 1))
    make_litter(make_mating(centre, colony, "FERTILE", D(2025, 12, 1)), "L-FERTILE", D(2026, 1, 15))
    make_mating(centre, colony, "YOUNG", D(2026, 1, 15))

    reminders_compute(centre=centre, today=TODAY)

    assert subjects(centre, K.RETIRE_BREEDERS) == {(K.RETIRE_BREEDERS, n) for n in ("OLD-MALE", "OLD-FEMALE", "BARREN")}
    by_name = {r.mating.name: r for r in Reminder.objects.filter(centre=centre, kind=K.RETIRE_BREEDERS)}
    assert "male OLD-M older than 240 days" in by_name["OLD-MALE"].title
    assert by_name["OLD-MALE"].due_on == D(2026, 1, 27)
    assert "female OLD-F older than 240 days" in by_name["OLD-FEMALE"].title
    assert "no litter for 60 days" in by_name["BARREN"].title and by_name["BARREN"].due_on == D(2026, 1, 30)
    assert by_name["BARREN"].key == f"retire:mating:{by_name['BARREN'].mating_id}"


# --- Bounded queries ------------------------------------------------------------------------------------------------


def _farm_of(centre, n: int):
    colony = ColonyFactory(centre=centre)
    for i in range(n):
        mating = make_mating(centre, colony, f"{centre.code}-{i}", D(2025, 12, 1), females=2)
        make_litter(mating, f"{centre.code}-L{i}", D(2026, 1, 20))


def test_compute_reads_the_same_number_of_queries_for_5_and_25_matings(centre, other_centre):
    _farm_of(centre, 5)
    _farm_of(other_centre, 25)
    counts = []
    for c in (centre, other_centre):
        with CaptureQueriesContext(connection) as queries:
            summary = reminders_compute(centre=c, today=TODAY)
        counts.append(len(queries))
        assert summary.due[K.WEAN] in (5, 25) and summary.due[K.SEPARATE_MALE] == summary.due[K.WEAN]
    assert counts[0] == counts[1] <= 14
    with CaptureQueriesContext(connection) as queries:
        reminders_compute(centre=other_centre, today=TODAY)  # nothing to write
    assert len(queries) <= counts[1]


# --- E-mail digest ---------------------------------------------------------------------------------------------------


def test_digest_mails_each_colony_manager_their_open_reminders(centre, other_centre, farm, manager, tech, outsider,
                                                               mailoutbox):
    """GIVEN Harwell sends digests and JAX does not: Harwell's manager (assigned every mating) gets one mail listing
    the due jobs; a second manager with nothing assigned and no unassigned job, a manager without an address and a
    technician get none; JAX's manager gets none although JAX has a due job."""
    ColonySettings.objects.create(centre=centre, email_digest=True)
    manager.email = "manager@har.example"
    manager.save()
    tech.email = "tech@har.example"
    tech.save()
    UserFactory(username="idle-manager", centre=centre, role=Role.COLONY_MANAGER, email="idle@har.example")
    UserFactory(username="no-address", centre=centre, role=Role.COLONY_MANAGER, email="")
    jax_manager = UserFactory(username="jax-manager", centre=other_centre, role=Role.COLONY_MANAGER,
                              email="m@jax.example")
    make_mating(other_centre, ColonyFactory(centre=other_centre), "JAX-1", D(2026, 1, 1), responsible=jax_manager)
    Mouse.objects.filter(centre=centre).update(status=Mouse.Status.EXPORTED)  # no genotyping jobs, all assigned

    reminders_compute_all.delay(today=TODAY.isoformat())

    assert Reminder.objects.filter(centre=other_centre).exists()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["manager@har.example"]
    assert "5 colony jobs due" in mail.subject and "2026-03-01" in mail.subject
    assert "Wean litter L-OLD of OLD" in mail.body
    for name in ("DUE-CHECK", "EXACT", "OLD", "WEANED"):
        assert f"Check {name} for a litter" in mail.body
    assert "NOT-YET" not in mail.body and "(overdue)" in mail.body
    assert reverse("colonies:todo") in mail.body


def test_digest_includes_unassigned_jobs_and_skips_done_ones(centre, colony, manager, mailoutbox):
    ColonySettings.objects.create(centre=centre, email_digest=True)
    manager.email = "manager@har.example"
    manager.save()
    make_mating(centre, colony, "NOBODY", D(2026, 1, 1))  # no responsible: unassigned
    MouseFactory(centre=centre, colony=colony, specimen_id="PUP-1", date_of_birth=D(2026, 2, 1))
    reminders_compute(centre=centre, today=TODAY)
    reminder_done(actor=manager, reminder=Reminder.objects.get(centre=centre, mouse__specimen_id="PUP-1"))

    reminders_compute_all.delay(today=TODAY.isoformat())

    assert len(mailoutbox) == 1
    assert "Check NOBODY for a litter" in mailoutbox[0].body and "[unassigned]" in mailoutbox[0].body
    assert "PUP-1" not in mailoutbox[0].body


def test_one_centres_failure_does_not_stop_the_others(centre, other_centre, farm, manager, settings):
    """GIVEN Harwell's digest cannot be sent (no usable mail backend) THEN JAX's list is still computed, Harwell's
    list is kept, and the run fails so that the failure is seen."""
    settings.EMAIL_BACKEND = "no.such.Backend"
    ColonySettings.objects.create(centre=centre, email_digest=True)
    manager.email = "manager@har.example"
    manager.save()
    make_mating(other_centre, ColonyFactory(centre=other_centre), "JAX-1", D(2026, 1, 1))

    with pytest.raises(ImportError):
        reminders_compute_all.delay(today=TODAY.isoformat())

    assert Reminder.objects.filter(centre=other_centre, kind=K.LITTER_CHECK).exists()
    assert subjects(centre, K.WEAN, K.LITTER_CHECK) == EXPECTED


def test_no_digest_without_the_setting(centre, farm, manager, mailoutbox):
    manager.email = "manager@har.example"
    manager.save()
    reminders_compute_all.delay(today=TODAY.isoformat())
    assert Reminder.objects.filter(centre=centre).exists()
    assert mailoutbox == []
