"""`lims.hooks.HookRegistry`: how a lower floor calls into a higher one without importing it."""
from lims.hooks import HookRegistry
from lims.reference import REFERENCE_LOADERS
from procedures.reference import impress_reference_load


def test_hooks_run_in_the_order_they_registered_and_once_each():
    registry = HookRegistry("test")
    first, second = (lambda: 1), (lambda: 2)
    for function in (first, second, first):
        registry.register(function)
    assert list(registry) == [first, second]


def test_procedures_adds_the_impress_definition_to_load_reference_at_start_up():
    assert impress_reference_load in list(REFERENCE_LOADERS)
