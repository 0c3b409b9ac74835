"""Out-of-range values: kept exactly as entered and flagged for review."""
import datetime as dt

import pytest

from procedures import services
from procedures.models import Parameter
from procedures.services import EnteredValue
from tests.factories import BODY_WEIGHT_VALUES, MouseFactory, body_weight_procedure

pytestmark = pytest.mark.django_db


def _record(tech, weight):
    return services.experiment_record(
        mouse=MouseFactory(centre=tech.centre), procedure=body_weight_procedure(), actor=tech,
        date_of_experiment=dt.date(2026, 2, 2),
        values={k: [EnteredValue(value=v)] for k, v in {**BODY_WEIGHT_VALUES, "IMPC_BWT_001_001": weight}.items()},
    )


@pytest.mark.parametrize(("weight", "flagged"), [("24.5", False), ("3", True), ("80", True), ("60", False)])
def test_values_outside_the_range_are_flagged_not_changed(tech, weight, flagged):
    body_weight_procedure()
    Parameter.objects.filter(key="IMPC_BWT_001_001").update(min_value=5, max_value=60)
    value = _record(tech, weight).values.get(parameter__key="IMPC_BWT_001_001")
    assert value.out_of_range is flagged
    assert float(value.value) == float(weight)


def test_without_a_range_nothing_is_flagged(tech):
    value = _record(tech, "999").values.get(parameter__key="IMPC_BWT_001_001")
    assert value.out_of_range is False


def test_an_edit_into_range_clears_the_flag(tech):
    body_weight_procedure()
    Parameter.objects.filter(key="IMPC_BWT_001_001").update(min_value=5, max_value=60)
    experiment = _record(tech, "245")
    services.experiment_values_update(experiment=experiment, actor=tech,
                                      values={"IMPC_BWT_001_001": [EnteredValue(value="24.5")]})
    assert experiment.values.get(parameter__key="IMPC_BWT_001_001").out_of_range is False
