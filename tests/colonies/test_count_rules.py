"""Property-based test of the micro-injection count hierarchy (no database needed: the rules read attributes)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from colonies.models import MicroInjection
from colonies.services import microinjection_count_errors

count = st.one_of(st.none(), st.integers(min_value=0, max_value=60))
FIELDS = ["total_blasts_injected", "total_transferred", "number_surrogates_receiving", "total_pups_born",
          "total_male_chimeras", "total_female_chimeras", "number_of_chimera_matings_attempted",
          "number_of_chimera_matings_successful", "number_of_het_offspring", "number_of_live_glt_offspring"]


def _ordered(*values) -> bool:
    """True when the given values (ignoring unknown ones) never increase from left to right, pairwise adjacent."""
    return all(a is None or b is None or a >= b for a, b in zip(values, values[1:]))


@settings(max_examples=500, deadline=None)
@given(st.fixed_dictionaries({name: count for name in FIELDS}))
def test_errors_exactly_when_a_count_exceeds_its_parent(counts):
    attempt = MicroInjection(**counts)
    c = counts
    chimeras = None
    if c["total_male_chimeras"] is not None or c["total_female_chimeras"] is not None:
        chimeras = (c["total_male_chimeras"] or 0) + (c["total_female_chimeras"] or 0)
    consistent = (
        _ordered(c["total_blasts_injected"], c["total_transferred"])
        and _ordered(c["total_transferred"], c["total_pups_born"])
        and _ordered(c["total_pups_born"], chimeras)
        and _ordered(c["total_transferred"], c["number_surrogates_receiving"])
        and _ordered(c["total_male_chimeras"], c["number_of_chimera_matings_attempted"])
        and _ordered(c["number_of_chimera_matings_attempted"], c["number_of_chimera_matings_successful"])
        and _ordered(c["number_of_live_glt_offspring"], c["number_of_het_offspring"])
    )
    errors = microinjection_count_errors(attempt)
    assert (not errors) == consistent, (counts, errors)
    for messages in errors.values():
        assert all("cannot exceed" in m for m in messages)
