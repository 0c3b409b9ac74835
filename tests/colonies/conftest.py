"""Shared fixtures of the colony tests."""
import pytest

from tests.factories import ColonyFactory


@pytest.fixture
def colony(centre):
    return ColonyFactory(centre=centre)
