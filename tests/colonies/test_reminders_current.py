"""Reminders kept current by the writes themselves (issue 13 point 7), not by the 05:00 run.

Every test here calls services only (no `reminders_compute`), with dates relative to today, and reads the to-do
rows straight after the write: a pytest-django test never commits, so what it sees was written in the write's own
transaction, with no broker and no on-commit hook. The refresh costs a fixed number of queries however many
records a write touches.
"""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from colonies import services
from colonies.models import Mouse, Reminder
from colonies.services import Pup
from colonies.services.reminders import reminders_batch, reminders_refresh, reminders_touch
from tests.factories import (
    CageFactory,
    CagePlacementFactory,
    GenotypingAssayFactory,
    LitterFactory,
    MouseFactory,
    ZygosityRuleFactory,
    pair_mating,
)

pytestmark = pytest.mark.django_db
K = Reminder.Kind
TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def open_jobs(centre, *kinds) -> set[tuple[str, str]]:
    """(kind, subject) of the centre's open reminders: a litter's code, a mouse's ID or a mating's name."""
    rows = Reminder.objects.filter(centre=centre, done_at__isnull=True).select_related("litter", "mouse", "mating")
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return {(r.kind, str(r.litter or r.mouse or r.mating)) for r in rows}


def breeder(colony, sex="female", **kw):
    """An adult of the colony, young enough (100 days) that no 'retire' job comes up."""
    kw.setdefault("date_of_birth", days_ago(100))
    return MouseFactory(centre=colony.centre, colony=colony, strain=colony.background_strain, sex=sex, **kw)


@pytest.fixture
def mating(manager, colony):
    """GIVEN pair MAT-R set up 25 days ago in cage BR-R: its 'check for a litter' (21 days) is due."""
    cage = CageFactory(centre=manager.centre, cage_id="BR-R", opened_on=days_ago(30))
    return services.mating_create(actor=manager, male=breeder(colony, "male"), females=[breeder(colony)],
                                  set_up_on=days_ago(25), cage=cage, name="MAT-R")


def test_a_new_mating_gets_its_due_reminder_at_once(manager, colony, mating):
    assert open_jobs(manager.centre) == {(K.LITTER_CHECK, "MAT-R")}
    reminder = Reminder.objects.get(kind=K.LITTER_CHECK)
    assert reminder.due_on == days_ago(4) and reminder.assigned_to == manager
    # Not yet due: a trio set up today has nothing on the list until a day makes it due (the daily run's job).
    services.mating_create(actor=manager, male=breeder(colony, "male"), females=[breeder(colony), breeder(colony)],
                           set_up_on=TODAY, name="MAT-TODAY")
    assert open_jobs(manager.centre) == {(K.LITTER_CHECK, "MAT-R")}


def test_recording_a_litter_closes_its_check_for_a_litter(manager, mating):
    services.litter_create(actor=manager, mating=mating, born_on=days_ago(2), born_count=6, alive_count=6,
                           code="L-R")
    assert open_jobs(manager.centre) == set()  # the check is gone; the litter's wean is not due for 19 days


def test_an_old_litter_recorded_late_brings_its_wean_job(manager, mating):
    services.litter_create(actor=manager, mating=mating, born_on=days_ago(4), born_count=6, alive_count=6,
                           code="L-LATE")
    services.litter_update(instance=mating.litters.get(), actor=manager, born_on=days_ago(3))
    assert open_jobs(manager.centre) == set()
    with pytest.raises(ValidationError):  # a refused write changes nothing, the reminders included
        services.litter_create(actor=manager, mating=mating, born_on=TODAY + dt.timedelta(days=1), born_count=1,
                               alive_count=1)
    assert open_jobs(manager.centre) == set()


def test_weaning_closes_the_wean_job_and_opens_a_genotype_job_per_pup(manager, colony):
    """GIVEN a litter born 22 days ago (wean due yesterday) WHEN weaned THEN its wean job goes and each pup (22 days
    old, genotyped from 14 days) gets 'Genotype <pup>' naming its new cage."""
    litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony, set_up_on=days_ago(45)),
                           born_on=days_ago(22), code="L-W", alive_count=3)
    reminders_touch(centre=manager.centre, litters=[litter])
    assert (K.WEAN, "L-W") in open_jobs(manager.centre)
    pups = services.litter_wean(actor=manager, litter=litter, weaned_on=TODAY, confirm=True,
                                pups=[Pup(sex="female", new_cage_id="W-R1")] * 2 + [Pup(sex="male",
                                                                                      new_cage_id="W-R2")])
    assert open_jobs(manager.centre, K.WEAN, K.GENOTYPE) == {(K.GENOTYPE, p.specimen_id) for p in pups}
    titles = set(Reminder.objects.filter(kind=K.GENOTYPE).values_list("title", flat=True))
    assert {t.rsplit(" ", 1)[-1] for t in titles} == {"W-R1", "W-R2"}


def test_recording_a_genotype_closes_the_job_and_voiding_it_reopens_it(manager, colony):
    mouse = services.mouse_create(actor=manager, colony=colony, strain=colony.background_strain, sex="female",
                                  date_of_birth=days_ago(30), specimen_id="G-1")
    assert open_jobs(manager.centre) == {(K.GENOTYPE, "G-1")}
    rule = ZygosityRuleFactory(assay=GenotypingAssayFactory(centre=manager.centre))
    result = services.result_record(actor=manager, mouse=mouse, assay=rule.assay, call=rule.call, tested_on=TODAY,
                                    sample_id="S-G1", collected_on=TODAY)
    assert open_jobs(manager.centre) == set()
    services.result_void(instance=result, actor=manager, reason="sample swapped")
    assert open_jobs(manager.centre) == {(K.GENOTYPE, "G-1")}


def test_a_dead_mouse_leaves_the_list_and_its_trio_needs_no_separation(manager, colony):
    """GIVEN a trio set up 20 days ago (separate the male: due at 14 days) and an ungenotyped female WHEN one female
    dies THEN the separation job goes (a pair is left) and so does her genotyping job."""
    first, second = breeder(colony, specimen_id="F-1"), breeder(colony, specimen_id="F-2")
    trio = services.mating_create(actor=manager, male=breeder(colony, "male"), females=[first, second],
                                  set_up_on=days_ago(20), name="TRIO")
    reminders_touch(centre=manager.centre, mice=[first, second])
    assert open_jobs(manager.centre) == {(K.SEPARATE_MALE, "TRIO"), (K.GENOTYPE, "F-1"), (K.GENOTYPE, "F-2")}
    services.mice_set_status(actor=manager, mice=[Mouse.objects.get(pk=second.pk)], status=Mouse.Status.DEAD,
                             on=TODAY, reason="found dead")
    assert open_jobs(manager.centre) == {(K.GENOTYPE, "F-1")}
    assert trio.female_rows.filter(left_on__isnull=True).count() == 1


def test_ending_a_mating_closes_its_jobs_but_a_done_job_stays_done(manager, colony, mating):
    other = services.mating_create(actor=manager, male=breeder(colony, "male"), females=[breeder(colony)],
                                   set_up_on=days_ago(30), name="MAT-DONE")
    services.reminder_done(actor=manager, reminder=Reminder.objects.get(mating=other))
    services.mating_end(instance=mating, actor=manager, ended_on=TODAY)
    services.mating_end(instance=other, actor=manager, ended_on=TODAY)
    assert open_jobs(manager.centre) == set()
    assert Reminder.objects.filter(mating=other, done_at__isnull=False).count() == 1


def test_moving_a_mouse_moves_its_job_to_the_new_cage(manager, colony):
    mouse = breeder(colony, specimen_id="MOVER", date_of_birth=days_ago(30))
    CagePlacementFactory(mouse=mouse, cage=CageFactory(centre=manager.centre, cage_id="OLD-CAGE"),
                         started_on=days_ago(10))
    reminders_touch(centre=manager.centre, mice=[mouse])
    assert Reminder.objects.get(mouse=mouse).title.endswith("in cage OLD-CAGE")
    services.mice_move(actor=manager, mice=[mouse], cage=CageFactory(centre=manager.centre, cage_id="NEW-CAGE",
                                                                     opened_on=days_ago(5)), on=TODAY)
    assert Reminder.objects.get(mouse=mouse).title.endswith("in cage NEW-CAGE")


def test_the_to_do_page_is_current_straight_after_a_litter_through_the_api(auth_client, client, manager, mating):
    response = auth_client(manager).post("/api/v1/litters/", {
        "mating": "MAT-R", "born_on": days_ago(1).isoformat(), "born_count": 5, "alive_count": 5}, format="json")
    assert response.status_code == 201, response.json()
    client.force_login(manager)
    page = client.get(reverse("colonies:todo")).content.decode()
    assert "Check MAT-R for a litter" not in page


def test_a_write_rolled_back_takes_its_reminder_changes_with_it(manager, mating):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.litter_create(actor=manager, mating=mating, born_on=days_ago(2), born_count=6, alive_count=6)
        assert open_jobs(manager.centre) == set()
        raise RuntimeError("the request failed later")
    assert open_jobs(manager.centre) == {(K.LITTER_CHECK, "MAT-R")}


# --- Cost ---------------------------------------------------------------------------------------------------------


def _many(manager, colony, n):
    matings = [services.mating_create(actor=manager, male=breeder(colony, "male"),
                                      females=[breeder(colony), breeder(colony)], set_up_on=days_ago(30))
               for _ in range(n)]
    litters = [LitterFactory(mating=m, born_on=days_ago(22)) for m in matings]
    mice = [breeder(colony, date_of_birth=days_ago(20)) for _ in range(n)]
    for mouse in mice:
        CagePlacementFactory(mouse=mouse, cage=CageFactory(centre=manager.centre), started_on=days_ago(2))
    return matings, litters, mice


REFRESH_QUERIES = 9  # lock, settings, strain overrides, litters, matings, their females, mice, stored, one write


def test_refresh_costs_the_same_few_queries_for_one_record_or_thirty(manager, colony):
    small = _many(manager, colony, 1)
    large = _many(manager, colony, 30)
    counts = []
    for matings, litters, mice in (small, large):
        Reminder.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            created, _updated, _removed = reminders_refresh(centre=manager.centre, matings=matings, litters=litters,
                                                            mice=mice)
        counts.append(len(queries))
        # each mating: litter check, separate male; each litter: wean; each mouse: genotype
        assert created == 4 * len(matings)
    assert counts[0] == counts[1] <= REFRESH_QUERIES, counts


def test_a_batch_refreshes_once_at_its_end(manager, colony):
    mice = [breeder(colony, date_of_birth=days_ago(20)) for _ in range(5)]
    with CaptureQueriesContext(connection) as queries, reminders_batch():
        for mouse in mice:
            reminders_touch(centre=manager.centre, mice=[mouse])
        assert len(queries) == 0 and not Reminder.objects.exists()
    assert Reminder.objects.filter(kind=K.GENOTYPE).count() == 5
    assert len(queries) <= REFRESH_QUERIES + 1  # + the check inside the block


def test_wean_of_a_big_litter_costs_one_refresh(manager, colony, django_assert_max_num_queries):
    """The reminders add a fixed number of queries to a weaning, whatever the number of pups."""
    counts = []
    for size in (2, 10):
        litter = LitterFactory(mating=pair_mating(centre=manager.centre, colony=colony, set_up_on=days_ago(45)),
                               born_on=days_ago(22), alive_count=size)
        pups = [Pup(sex="female", new_cage_id=f"B{size}-{i // 5}") for i in range(size)]
        with CaptureQueriesContext(connection) as queries:
            services.litter_wean(actor=manager, litter=litter, weaned_on=TODAY, pups=pups)
        counts.append(len([q for q in queries.captured_queries if "colonies_reminder" in q["sql"]]))
        assert Reminder.objects.filter(kind=K.GENOTYPE, mouse__litter=litter).count() == size
    assert counts[0] == counts[1] <= 3, counts


def test_an_ear_mark_change_costs_no_refresh_but_a_new_birth_date_moves_the_job(manager, colony):
    mouse = services.mouse_create(actor=manager, colony=colony, strain=colony.background_strain, sex="female",
                                  date_of_birth=days_ago(30), specimen_id="EAR-1")
    with CaptureQueriesContext(connection) as queries:
        services.mouse_update(instance=mouse, actor=manager, ear_mark="L2")
    assert not [q for q in queries.captured_queries if "colonies_reminder" in q["sql"]]
    services.mouse_update(instance=mouse, actor=manager, date_of_birth=days_ago(10))  # too young to genotype now
    assert open_jobs(manager.centre) == set()


def test_a_long_colony_name_and_cage_id_do_not_break_the_list(manager):
    """The genotyping title names colony (up to 125 characters) and cage (40): it is cut to the column, not refused."""
    from tests.factories import ColonyFactory

    colony = ColonyFactory(centre=manager.centre, name="C" * 125)
    mouse = breeder(colony, specimen_id="M" * 60, date_of_birth=days_ago(30))
    CagePlacementFactory(mouse=mouse, cage=CageFactory(centre=manager.centre, cage_id="K" * 40),
                         started_on=days_ago(1))
    reminders_touch(centre=manager.centre, mice=[mouse])
    assert len(Reminder.objects.get(mouse=mouse).title) == 200
