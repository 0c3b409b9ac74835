"""The IMPReSS definitions: pipelines, their procedures and parameters, which drive schedules, forms and the export."""
import pghistory
from django.db import models

from lims.models import audit_trackers
from lims.numbers import NotANumber, read_number


class Source(models.TextChoices):
    """Where a procedure or parameter definition comes from.

    IMPReSS definitions drive schedules and forms; a definition registered by a DCC import (a centre's historical
    file naming a procedure or parameter the reference lacks) only gives the imported values a home: nothing is
    ever scheduled or offered at the bench for it.
    """

    IMPRESS = "impress", "IMPReSS"
    IMPORT = "import", "DCC import"


@pghistory.track(*audit_trackers())
class Pipeline(models.Model):
    """An IMPReSS pipeline (IMPC_001 …): the procedures every mouse of a cohort goes through."""

    key = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPRESS,
                              help_text="IMPReSS, or registered by a DCC import.")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


@pghistory.track(*audit_trackers())
class Procedure(models.Model):
    """A procedure of a pipeline with the week of age it is due (null = unrestricted)."""

    class Level(models.TextChoices):
        MOUSE = "mouse", "Mouse"
        LINE = "line", "Line (colony)"
        CENTRE = "centre", "Centre (housing)"

    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="procedures")
    key = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100, blank=True)
    week = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Week of age; empty = unrestricted.")
    is_mandatory = models.BooleanField(null=True, blank=True, help_text="Empty when IMPReSS sources disagree.")
    level = models.CharField(max_length=10, choices=Level, default=Level.MOUSE)
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPRESS,
                              help_text="IMPReSS, or registered by a DCC import (never scheduled).")

    class Meta:
        ordering = ["week", "key"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "key"], name="procedure_key_unique_per_pipeline")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


def enterable_parameters_q(prefix: str = "") -> models.Q:
    """`Parameter.is_enterable` as a filter (`prefix` reaches the parameter from another model, e.g. "parameters__")."""
    return models.Q(**{f"{prefix}derived": False, f"{prefix}retired": False}) & ~models.Q(
        **{f"{prefix}type__in": sorted(MEDIA_TYPES)})


@pghistory.track(*audit_trackers())
class Parameter(models.Model):
    """A parameter of a procedure as IMPReSS defines it; drives data-entry forms, validation and the export."""

    class Type(models.TextChoices):
        SIMPLE = "simple", "Simple"
        ONTOLOGY = "ontology", "Ontology"
        SERIES = "series", "Series"
        MEDIA = "media", "Media"
        SERIES_MEDIA = "seriesMedia", "Series media"
        MEDIA_SAMPLE = "mediaSample", "Media sample"
        METADATA = "metadata", "Metadata"

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="parameters")
    key = models.CharField(max_length=40)
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=15, choices=Type)
    value_type = models.CharField(max_length=15, blank=True, help_text="FLOAT, INT, TEXT, DATE, DATETIME, BOOL …")
    unit = models.CharField(max_length=100, blank=True)
    required = models.BooleanField(default=False)
    derived = models.BooleanField(default=False)
    options = models.JSONField(default=list, blank=True)
    increments = models.JSONField(default=list, blank=True)
    version = models.CharField(max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    min_value = models.FloatField(null=True, blank=True, help_text="Below this a value is flagged for review.")
    max_value = models.FloatField(null=True, blank=True, help_text="Above this a value is flagged for review.")
    range_source = models.CharField(max_length=300, blank=True,
                                    help_text="Where the plausible range comes from (IMPReSS, or the cited source of "
                                              "fixtures/plausible_ranges.json).")
    source = models.CharField(max_length=10, choices=Source, default=Source.IMPRESS,
                              help_text="IMPReSS, or registered by a DCC import.")
    retired = models.BooleanField(
        default=False, help_text="No longer in IMPReSS for this procedure: recorded values keep it, new records are "
                                 "not offered it.")

    class Meta:
        ordering = ["procedure", "order", "key"]
        constraints = [models.UniqueConstraint(fields=["procedure", "key"], name="parameter_key_unique_per_procedure")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def has_range(self) -> bool:
        return self.min_value is not None or self.max_value is not None

    def range_text(self) -> str:
        """The plausible range as people read it: "5 to 80 g", "at least 0 g", "at most 80 g"."""
        unit = f" {self.unit}" if self.unit else ""
        if self.min_value is not None and self.max_value is not None:
            return f"{self.min_value:g} to {self.max_value:g}{unit}"
        if self.min_value is not None:
            return f"at least {self.min_value:g}{unit}"
        return f"at most {self.max_value:g}{unit}" if self.max_value is not None else ""

    @property
    def is_enterable(self) -> bool:
        """Whether a technician types this parameter at the bench (forms, batch, Excel, API).

        Derived values are computed from the others (by the DCC), media are files the LIMS does not hold, and a
        retired parameter only keeps the values recorded before IMPReSS dropped it.
        """
        return not self.derived and not self.retired and self.type not in MEDIA_TYPES

    @property
    def is_free_series(self) -> bool:
        """A series whose increments IMPReSS does not list (time points, frequencies): typed with each value."""
        return self.type == self.Type.SERIES and not self.increments

    def is_out_of_range(self, value) -> bool:
        """True when a numeric value lies outside the plausible range; the value is kept, only flagged.

        The value is read by the one number reader (`lims.numbers`), so an imported "20,9" is 20.9 here too; what
        is not a number is not out of range (its type check says what is wrong with it).
        """
        if not self.has_range:
            return False
        try:
            number = read_number(value)
        except NotANumber:
            return False
        return (self.min_value is not None and number < self.min_value) or (
            self.max_value is not None and number > self.max_value)


#: The parameter types whose values are files (the DCC downloads them from a URI): never typed at the bench.
MEDIA_TYPES = frozenset({Parameter.Type.MEDIA, Parameter.Type.SERIES_MEDIA, Parameter.Type.MEDIA_SAMPLE})
