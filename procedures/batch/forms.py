"""The forms of the batch page: the metadata once for every mouse, then one block of measurements per mouse.

Both reuse `ExperimentRecordForm` (same inputs, units, option selects, series increments and status-code selects as
the single-mouse page); the mouse blocks are prefixed `t<scheduled test id>-` so that one POST carries them all.
"""
from procedures.forms import ExperimentRecordForm
from procedures.models import Parameter, ScheduledTest


def is_metadata(parameter: Parameter) -> bool:
    return parameter.type == Parameter.Type.METADATA


class BatchMetadataForm(ExperimentRecordForm):
    """Date of the experiment, experimenter and the procedure's metadata parameters, applied to every mouse."""

    def __init__(self, *args, parameters, **kwargs):
        super().__init__(*args, parameters=[p for p in parameters if is_metadata(p)], **kwargs)


class MouseValuesForm(ExperimentRecordForm):
    """The measurements (every enterable parameter but metadata) of one mouse of the batch."""

    def __init__(self, *args, test: ScheduledTest, parameters, **kwargs):
        self.test = test
        super().__init__(*args, parameters=[p for p in parameters if not is_metadata(p)], prefix=f"t{test.pk}",
                         **kwargs)
        # The batch's dates and its "Save anyway" box are the metadata form's, once for every mouse.
        del self.fields["date_of_experiment"], self.fields["experimenter"], self.fields["confirm_warnings"]
        for form_field in self.fields.values():
            form_field.widget.attrs.pop("autofocus", None)
