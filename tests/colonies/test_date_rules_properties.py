"""Property-based tests of the date rules: every date, not only the ones a person thought of."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from colonies import services
from colonies.models import ColonySettings, Mouse
from colonies.services import NeedsConfirmation, Pup
from colonies.services.rules import birth_date_verdict, breeding_age_verdict, wean_age_verdict
from tests.factories import CageFactory, LitterFactory, pair_mating

DEFAULTS = ColonySettings()
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
offsets = st.integers(min_value=-60, max_value=120)


@given(born=dates, days=offsets, today_after=st.integers(min_value=-30, max_value=60))
def test_wean_verdict_partitions_every_age(born, days, today_after):
    weaned = born + dt.timedelta(days=days)
    today = weaned + dt.timedelta(days=today_after)
    verdict, message = wean_age_verdict(born, weaned, today, DEFAULTS)
    if weaned > today or days <= 0 or days < 16 or days > 28:
        assert verdict == "error" and message
    elif days < 18 or days > 24:
        assert verdict == "warning" and f"{days} days" in message
    else:
        assert (verdict, message) == ("ok", "")


@given(born=dates, days=offsets, wean_min=st.integers(1, 20), spread=st.integers(0, 15))
def test_wean_verdict_follows_the_centres_thresholds(born, days, wean_min, spread):
    s = ColonySettings(wean_min_days=wean_min, wean_max_days=wean_min + spread,
                       wean_usual_min_days=wean_min, wean_usual_max_days=wean_min + spread)
    verdict, _ = wean_age_verdict(born, born + dt.timedelta(days=days), dt.date(2100, 1, 1), s)
    assert (verdict == "ok") == (days > 0 and wean_min <= days <= wean_min + spread)


@given(set_up=dates, days=offsets, gestation=st.integers(0, 30))
def test_birth_verdict_is_error_exactly_before_set_up_plus_gestation(set_up, days, gestation):
    s = ColonySettings(gestation_min_days=gestation)
    born = set_up + dt.timedelta(days=days)
    verdict, message = birth_date_verdict(set_up, born, dt.date(2100, 1, 1), s)
    assert (verdict == "error") == (days < gestation)
    if verdict == "error":
        assert str(set_up + dt.timedelta(days=gestation)) in message
    assert birth_date_verdict(set_up, born, born - dt.timedelta(days=1), s)[0] == "error"  # born "tomorrow"


@given(dob=dates, age=st.integers(-10, 400), minimum=st.integers(0, 120))
def test_breeding_age_verdict(dob, age, minimum):
    verdict, message = breeding_age_verdict(dob, dob + dt.timedelta(days=age), minimum)
    assert (verdict == "error") == (age < minimum)
    if verdict == "error":
        assert f"is {age} days old" in message and f"at least {minimum} days" in message


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.integers(min_value=-3, max_value=32))
def test_the_wean_service_agrees_with_the_rule(manager, days):
    """Through the service and the database: refused, warned or saved exactly as the pure rule says."""
    litter = LitterFactory(mating=pair_mating(centre=manager.centre), born_on=dt.date(2026, 1, 21))
    cage = CageFactory(centre=manager.centre)
    weaned = litter.born_on + dt.timedelta(days=days)
    expected, _ = wean_age_verdict(litter.born_on, weaned, dt.date.today(), DEFAULTS)
    call = dict(actor=manager, litter=litter, weaned_on=weaned, pups=[Pup(sex=Mouse.Sex.MALE, cage=cage)])
    if expected == "error":
        with pytest.raises(ValidationError) as exc:
            services.litter_wean(**call)
        assert not isinstance(exc.value, NeedsConfirmation) and "weaned_on" in exc.value.message_dict
    elif expected == "warning":
        with pytest.raises(NeedsConfirmation):
            services.litter_wean(**call)
        assert len(services.litter_wean(**call, confirm=True)) == 1
    else:
        assert len(services.litter_wean(**call)) == 1
