"""Shared fixtures of the colony tests."""
import pytest

from tests.colonies.helpers import pax6_assay, production_line
from tests.factories import ColonyFactory, GeneFactory


@pytest.fixture
def colony(centre):
    return ColonyFactory(centre=centre)


@pytest.fixture
def lines(centre, other_centre, tech, outsider):
    """GIVEN a Harwell line of Pax6 and a JAX line of the same gene (so Harwell's new work on Pax6 is warned)."""
    gene = GeneFactory(symbol="Pax6", mgi_id="MGI:97490")
    return {"own": production_line(centre=centre, actor=tech, gene=gene, name="H-PAX6"),
            "other": production_line(centre=other_centre, actor=outsider, gene=gene, name="J-PAX6")}


@pytest.fixture
def assay(centre):
    return pax6_assay(centre)
