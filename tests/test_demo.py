"""`load_demo`: the data `make run` serves, loaded twice without duplicating anything."""
from io import StringIO

import pytest
from django.core.management import call_command

from colonies.models import Cage, Litter, Mating, Mouse


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_houses_every_mouse(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    counts = (Mouse.objects.count(), Cage.objects.count(), Mating.objects.count(), Litter.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Mouse.objects.count(), Cage.objects.count(), Mating.objects.count(), Litter.objects.count()) == counts
    assert counts[2:] == (2, 1)
    homeless = Mouse.objects.exclude(placements__ended_on__isnull=True, placements__isnull=False)
    assert not homeless.exists()
    assert "Demo data:" in out.getvalue() and "2 matings" in out.getvalue()
    # The to-do page has the trio's litter to wean (due in two days: not yet) and the pair's litter check (due).
    from colonies.models import Reminder

    kinds = set(Reminder.objects.filter(done_at__isnull=True).values_list("kind", flat=True))
    assert "litter_check" in kinds and "wean" not in kinds
