"""API serializers for IMPReSS definitions, scheduled tests and experiments."""
from rest_framework import serializers

from colonies.models import Colony, Mouse
from lims.serializers import RecordSerializer, ScopedRelatedField
from lims.versioning import version_field
from procedures import selectors
from procedures.models import (
    Experiment,
    LineExperiment,
    LineParameterValue,
    Parameter,
    ParameterValue,
    Pipeline,
    Procedure,
    ScheduledTest,
)


class ParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Parameter
        fields = ["id", "key", "name", "type", "value_type", "unit", "required", "derived", "options", "increments",
                  "version", "min_value", "max_value", "range_source",
                  "retired"]  # no longer in IMPReSS: kept for older records, refused in new ones


class ProcedureSerializer(serializers.ModelSerializer):
    pipeline = serializers.SlugRelatedField(slug_field="key", read_only=True)
    parameters = ParameterSerializer(many=True, read_only=True)

    class Meta:
        model = Procedure
        fields = ["id", "pipeline", "key", "name", "version", "week", "is_mandatory", "level", "parameters"]


class PipelineSerializer(serializers.ModelSerializer):
    procedures = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "key", "name", "version", "procedures"]


class ScheduledTestSerializer(RecordSerializer):
    mouse = serializers.SlugRelatedField(slug_field="specimen_id", read_only=True)
    mouse_id = serializers.IntegerField(read_only=True)
    colony = serializers.CharField(source="mouse.colony.name", read_only=True, default=None)
    procedure = serializers.SlugRelatedField(slug_field="key", read_only=True)
    cage = serializers.SerializerMethodField(help_text="Cage ID of the mouse's current cage (null: in no cage).")
    room = serializers.SerializerMethodField(help_text="Id of the room the mouse's current cage is in.")

    class Meta:
        model = ScheduledTest
        fields = ["id", "centre", "mouse", "mouse_id", "colony", "cage", "room", "procedure", "due_date",
                  "window_start", "window_end", "status", "status_code", "status_reason", "status_changed_at",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_cage(self, test) -> str | None:
        cage = selectors.current_cage_of(test.mouse)
        return cage.cage_id if cage else None

    def get_room(self, test) -> int | None:
        room = selectors.room_of(selectors.current_cage_of(test.mouse))
        return room.pk if room else None


class NotPerformedSerializer(serializers.Serializer):
    status_code = serializers.CharField(help_text="IMPC_PSC_* procedure status code; free text may follow a colon.")
    reason = serializers.CharField(help_text="Why the test was not performed.")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the test is withdrawn (it is not reported to the DCC).")


class ParameterValueSerializer(serializers.ModelSerializer):
    parameter = serializers.SlugRelatedField(slug_field="key", read_only=True)
    unit = serializers.CharField(source="recorded_unit", read_only=True)

    class Meta:
        model = ParameterValue
        fields = ["parameter", "increment", "value", "unit", "status_code", "out_of_range"]


class EnteredValueSerializer(serializers.Serializer):
    parameter = serializers.CharField(help_text="IMPReSS parameter key, e.g. IMPC_BWT_001_001.")
    value = serializers.CharField(required=False, allow_blank=True, default="")
    status_code = serializers.CharField(required=False, allow_blank=True, default="")
    increment = serializers.CharField(required=False, allow_blank=True, default="")


class ExperimentSerializer(RecordSerializer):
    """Output of an experiment with its values; input takes `values` as a list of entered parameters."""

    mouse = ScopedRelatedField(queryset=Mouse.objects.all())
    specimen_id = serializers.CharField(source="mouse.specimen_id", read_only=True)
    procedure = serializers.SlugRelatedField(slug_field="key", queryset=Procedure.objects.all())
    scheduled_test = ScopedRelatedField(queryset=ScheduledTest.objects.all(), required=False, allow_null=True)
    values = ParameterValueSerializer(many=True, read_only=True)
    entered_values = EnteredValueSerializer(many=True, write_only=True, source="values_in")
    experiment_id = serializers.CharField(read_only=True)
    confirm = serializers.BooleanField(
        write_only=True, default=False,
        help_text="Save despite the warnings (a value outside its plausible range, a date outside the test's "
                  "window): without it they answer 400 with `warnings`.")

    class Meta:
        model = Experiment
        fields = ["id", "version", "experiment_id", "centre", "mouse", "specimen_id", "procedure", "procedure_version",
                  "scheduled_test", "date_of_experiment", "sequence_id", "experimenter", "status", "values",
                  "entered_values", "confirm", "confirmed_warnings", "qc_locked_at", "qc_locked_by",
                  "needs_resubmission", "voided_at", "void_reason", "created_at", "updated_at"]
        read_only_fields = ["version", "procedure_version", "sequence_id", "status", "confirmed_warnings",
                            "qc_locked_at", "qc_locked_by", "needs_resubmission", "voided_at", "void_reason"]


class ExperimentBulkSerializer(serializers.Serializer):
    """`{"experiments": [<experiment as for POST /experiments/>, …]}`, recorded all or none."""

    experiments = ExperimentSerializer(many=True)
    confirm = serializers.BooleanField(default=False, help_text="Save every experiment despite its warnings.")


class QcLockSerializer(serializers.Serializer):
    """Who and when come from the request; a reason is optional (kept in the experiment's history)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class QcUnlockSerializer(serializers.Serializer):
    """Taking a QC lock off always says why."""

    reason = serializers.CharField(max_length=500, help_text="Why the lock is taken off (at least 10 characters).")


class QcBulkSerializer(serializers.Serializer):
    """Lock or unlock ticked experiments, each with the same reason."""

    action = serializers.ChoiceField(choices=["lock", "unlock"])
    experiments = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
    reason = serializers.CharField(max_length=500, help_text="Why (at least 10 characters); kept in each history.")


class QcResultSerializer(serializers.Serializer):
    experiment = serializers.IntegerField(source="experiment_id")
    status = serializers.IntegerField(help_text="As the single action answers: 200 done, 409 already so, 404 not "
                                                "found, 403 not allowed.")
    message = serializers.CharField()


class QcBulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    done = serializers.IntegerField()
    results = QcResultSerializer(many=True)


class ExperimentEditSerializer(serializers.Serializer):
    """Corrected values; parameters not listed keep theirs. A QC-locked experiment needs a reason."""

    entered_values = EnteredValueSerializer(many=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = version_field()
    confirm = serializers.BooleanField(default=False, help_text="Save despite values outside their plausible range.")


class LineParameterValueSerializer(serializers.ModelSerializer):
    parameter = serializers.SlugRelatedField(slug_field="key", read_only=True)
    unit = serializers.CharField(source="recorded_unit", read_only=True)

    class Meta:
        model = LineParameterValue
        fields = ["parameter", "increment", "value", "unit", "status_code"]


class LineExperimentSerializer(RecordSerializer):
    """A line-level experiment of a colony; input takes `entered_values` or a procedure `status_code`."""

    colony = ScopedRelatedField(queryset=Colony.objects.all())
    colony_name = serializers.CharField(source="colony.name", read_only=True)
    procedure = serializers.SlugRelatedField(slug_field="key",
                                             queryset=Procedure.objects.filter(level=Procedure.Level.LINE))
    values = LineParameterValueSerializer(many=True, read_only=True)
    entered_values = EnteredValueSerializer(many=True, write_only=True, source="values_in", required=False)
    confirm = serializers.BooleanField(write_only=True, default=False,
                                       help_text="Save despite values outside their plausible range.")

    class Meta:
        model = LineExperiment
        fields = ["id", "centre", "colony", "colony_name", "procedure", "procedure_version", "date_of_experiment",
                  "experimenter", "status_code", "values", "entered_values", "confirm", "voided_at", "void_reason",
                  "created_at", "updated_at"]
        read_only_fields = ["procedure_version", "voided_at", "void_reason"]
