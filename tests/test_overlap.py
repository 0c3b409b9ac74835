"""`lims.overlap`: what the producer thread puts arrives in order; its failure, or a query it tries, reaches the
caller; a caller that stops early stops the producer."""
import threading

import pytest

from lims.overlap import overlapped
from lims.models import User


def test_items_arrive_in_order_and_the_producer_runs_in_another_thread():
    seen = []

    def produce(put):
        seen.append(threading.current_thread() is threading.main_thread())
        for i in range(5):
            put(i)

    assert list(overlapped(produce)) == [0, 1, 2, 3, 4]
    assert seen == [False]


def test_a_failure_of_the_producer_is_raised_after_what_it_put():
    def produce(put):
        put("first")
        raise ValueError("row 3 broke the checker")

    got = []
    with pytest.raises(ValueError, match="row 3 broke the checker"):
        for item in overlapped(produce):
            got.append(item)
    assert got == ["first"]


@pytest.mark.django_db
def test_a_query_in_the_producer_is_refused_not_run_outside_the_transaction():
    def produce(put):
        put(User.objects.count())

    with pytest.raises(Exception) as refused:
        list(overlapped(produce))
    # Refused by the wrapper, or by pytest-django before a connection of that thread is even opened.
    assert "overlapped" in str(refused.value) or "Database access not allowed" in str(refused.value)


def test_a_caller_that_stops_early_stops_the_producer():
    stopped = threading.Event()

    def produce(put):
        try:
            for i in range(10**9):
                put(i)
        finally:
            stopped.set()

    with pytest.raises(KeyError):
        for item in overlapped(produce):
            if item == 3:
                raise KeyError(item)
    assert stopped.is_set()


def test_the_producer_speaks_the_callers_language():
    from django.utils import translation

    with translation.override("fr"):
        assert list(overlapped(lambda put: put(translation.get_language()))) == ["fr"]
