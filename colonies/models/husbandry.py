"""Colony management: mice, where they live, how they are bred and reminded about (genotyping: `genotyping`).

The shapes follow the systems centres already use (see ../shared/docs/domain-colony.md):
- cage placements are time-ranged rows (MausDB `mice2cages`), never one foreign key on the mouse, so the move history
  is the data itself;
- a mating has one male and its females as rows with join and leave dates (MausDB `parents2matings`);
- a litter belongs to a mating and names its dam; a weaned mouse points at its litter, which gives sire and dam;
- zygosity comes from genotyping calls through a table a centre edits (Alyx `ZygosityRule`, in
  `colonies.models.genotyping`), never from code;
- every threshold a rule uses lives in `ColonySettings` (per centre) or `StrainSetting` (per centre and strain).

The rules themselves are in `colonies.services.rules`; these models only hold the facts.
"""
import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from colonies.models.production import Colony
from lims.identifiers import safe_allele_symbol, safe_identifier
from lims.models import (
    Centre,
    CentreOwnedModel,
    Strain,
    TimeStampedModel,
    VoidableModel,
    audit_trackers,
    protect_delete,
)


@pghistory.track(*audit_trackers())
class ColonySettings(TimeStampedModel):
    """The thresholds of one centre's breeding rules and reminders; a centre admin edits them.

    A centre without a row uses the defaults below (the values the issue and the literature give).
    """

    centre = models.OneToOneField(Centre, on_delete=models.PROTECT, related_name="colony_settings")
    mouse_id_pattern = models.CharField(
        max_length=60, default="{centre}-{yy}-{seq:05}",
        help_text="Tokens: {centre} (ILAR code), {colony}, {year}, {yy}, {seq} or {seq:05} (zero-padded counter).",
    )
    colony_name_pattern = models.CharField(
        max_length=60, default="{centre}-{gene}-{n}",
        help_text="The name a colony made from a micro-injection starts with. Tokens: {centre} (ILAR code), {gene} "
                  "(symbol), {attempt} (the attempt's reference), {es_cell}, {n} (the gene's next colony number).",
    )
    default_cage_capacity = models.PositiveSmallIntegerField(default=5)
    breeding_age_days = models.PositiveSmallIntegerField(default=42, help_text="Youngest age of a breeder.")
    max_females_per_mating = models.PositiveSmallIntegerField(default=4)
    gestation_min_days = models.PositiveSmallIntegerField(default=18, help_text="Earliest birth after set-up.")
    wean_min_days = models.PositiveSmallIntegerField(default=16, help_text="Weaning earlier than this is refused.")
    wean_max_days = models.PositiveSmallIntegerField(default=28, help_text="Weaning later than this is refused.")
    wean_usual_min_days = models.PositiveSmallIntegerField(default=18, help_text="Earlier than this warns.")
    wean_usual_max_days = models.PositiveSmallIntegerField(default=24, help_text="Later than this warns.")
    wean_target_days = models.PositiveSmallIntegerField(default=21, help_text="When the wean reminder falls due.")
    litter_check_days = models.PositiveSmallIntegerField(
        default=21, help_text="Check a mating for a litter this many days after set-up (or after its last litter)."
    )
    separate_male_days = models.PositiveSmallIntegerField(
        default=14, help_text="Take the male out of a trio or harem this many days after set-up, before delivery."
    )
    genotype_age_days = models.PositiveSmallIntegerField(default=14, help_text="Age from which a mouse is genotyped.")
    retire_age_days = models.PositiveSmallIntegerField(default=240, help_text="Retire breeders older than this.")
    retire_no_litter_days = models.PositiveSmallIntegerField(
        default=60, help_text="Retire a mating with no litter for this many days."
    )
    email_digest = models.BooleanField(default=False, help_text="E-mail each colony manager their to-do list daily.")

    class Meta:
        verbose_name_plural = "colony settings"

    def __str__(self) -> str:
        return f"Colony settings of {self.centre.code}"


@pghistory.track(*audit_trackers())
class StrainSetting(CentreOwnedModel):
    """A centre's override of a threshold for one strain (a late-maturing strain breeds later, say)."""

    strain = models.ForeignKey(Strain, on_delete=models.PROTECT, related_name="+")
    breeding_age_days = models.PositiveSmallIntegerField(null=True, blank=True)
    wean_target_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["strain__name"]
        constraints = [models.UniqueConstraint(fields=["centre", "strain"], name="strain_setting_unique")]

    def __str__(self) -> str:
        return f"{self.strain} at {self.centre.code}"


class MouseIdCounter(models.Model):
    """The last number handed out for one expansion of a centre's ID pattern (its text without {seq})."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=120)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "prefix"], name="mouse_id_counter_unique")]


@pghistory.track(*audit_trackers())
class Room(CentreOwnedModel, VoidableModel):
    """A room of an animal house, named within its building."""

    building = models.CharField(max_length=60, validators=[safe_identifier])
    name = models.CharField(max_length=60, validators=[safe_identifier])

    class Meta:
        ordering = ["building", "name"]
        constraints = [models.UniqueConstraint(fields=["centre", "building", "name"], name="room_unique")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.building} / {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("colonies:room_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class Rack(CentreOwnedModel, VoidableModel):
    """A rack in a room; cages sit at its positions."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="racks")
    name = models.CharField(max_length=60, validators=[safe_identifier])
    positions = models.PositiveSmallIntegerField(null=True, blank=True, help_text="How many cages it holds.")

    class Meta:
        ordering = ["room__building", "room__name", "name"]
        constraints = [models.UniqueConstraint(fields=["room", "name"], name="rack_unique_in_room")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.room} / {self.name}"


@pghistory.track(*audit_trackers())
class Cage(CentreOwnedModel, VoidableModel):
    """A cage with its type, capacity and place; who is in it comes from `CagePlacement`."""

    class CageType(models.TextChoices):
        STOCK = "stock", "Stock"
        BREEDING = "breeding", "Breeding"
        WEANING = "weaning", "Weaning"
        HOLDING = "holding", "Holding"
        EXPERIMENTAL = "experimental", "Experimental"

    cage_id = models.CharField(max_length=40, verbose_name="cage ID", help_text="The number on the cage card.",
                               validators=[safe_identifier])
    cage_type = models.CharField(max_length=15, choices=CageType, default=CageType.STOCK)
    capacity = models.PositiveSmallIntegerField(default=5)
    rack = models.ForeignKey(Rack, on_delete=models.PROTECT, null=True, blank=True, related_name="cages")
    position = models.CharField(max_length=20, blank=True, help_text="Position on the rack, e.g. B3.",
                                validators=[safe_identifier])
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True, db_index=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["cage_id"]
        constraints = [models.UniqueConstraint(fields=["centre", "cage_id"], name="cage_id_unique_per_centre")]
        indexes = [models.Index(fields=["centre", "closed_on"]), models.Index(fields=["rack"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.cage_id

    def get_absolute_url(self) -> str:
        return reverse("colonies:cage_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@pghistory.track(*audit_trackers())
class Mouse(CentreOwnedModel, VoidableModel):
    """One mouse: a mutant of a colony or a baseline control of a strain. `specimen_id` is the DCC specimenID.

    Its sire and dam come through its litter (`litter.mating.male`, `litter.dam`); its cage through its open
    placement; its genotype per allele through `MouseAllele`.

    An embryo (a DCC `<embryo>`, phenotyped before birth) is a Mouse of kind "embryo": it has a stage instead of a
    date of birth. The `dcc_*` fields keep what a DCC specimen file said about a mouse the LIMS did not breed (a
    centre moving its historical data in): the export writes them back as given, and falls back on what the LIMS
    derives (colony, strain, centre defaults, litter) where they are blank, as they are for mice bred here.
    """

    class Kind(models.TextChoices):
        MOUSE = "mouse", "Mouse"
        EMBRYO = "embryo", "Embryo"

    class StageUnit(models.TextChoices):
        DPC = "DPC", "Days post coitum"
        THEILER = "Theiler", "Theiler stage"

    class Sex(models.TextChoices):
        MALE = "male", "Male"
        FEMALE = "female", "Female"
        INTERSEX = "intersex", "Intersex"
        NO_DATA = "no data", "No data"

    class Zygosity(models.TextChoices):
        WILD_TYPE = "wild type", "Wild type"
        HETEROZYGOUS = "heterozygous", "Heterozygous"
        HOMOZYGOUS = "homozygous", "Homozygous"
        HEMIZYGOUS = "hemizygous", "Hemizygous"

    class Status(models.TextChoices):
        ALIVE = "alive", "Alive"
        DEAD = "dead", "Dead"
        CULLED = "culled", "Culled"
        EXPORTED = "exported", "Exported"
        USED = "used", "Used"

    class BreedingStatus(models.TextChoices):
        STOCK = "stock", "Stock"
        BREEDER = "breeder", "Breeder"
        RETIRED = "retired", "Retired breeder"

    # Optimistic locking: the services add 1 on every update; a client sending a stale `version` gets 409.
    version = models.PositiveIntegerField(default=1, editable=False)
    specimen_id = models.CharField(max_length=60, verbose_name="specimen ID",
                                   help_text="Unique in the centre; the DCC specimenID.", validators=[safe_identifier])
    ear_mark = models.CharField(max_length=30, blank=True, validators=[safe_identifier])
    colony = models.ForeignKey(Colony, on_delete=models.PROTECT, null=True, blank=True, related_name="mice")
    strain = models.ForeignKey(Strain, on_delete=models.PROTECT, related_name="+")
    generation = models.CharField(max_length=20, blank=True, help_text="e.g. N2, F1, N4F2.",
                                  validators=[safe_identifier])
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.MOUSE, db_index=True,
                            help_text="An embryo has a stage instead of a date of birth.")
    sex = models.CharField(max_length=10, choices=Sex)
    date_of_birth = models.DateField(null=True, blank=True, help_text="Required for a mouse; an embryo has none.")
    stage = models.CharField(max_length=20, blank=True, help_text="Embryos: the stage at which it was taken.")
    stage_unit = models.CharField(max_length=10, choices=StageUnit, blank=True, help_text="Embryos: DPC or Theiler.")
    zygosity = models.CharField(max_length=15, choices=Zygosity, blank=True,
                                help_text="At the colony's allele; blank until genotyped, then set by the assay "
                                          "that calls it.")
    is_baseline = models.BooleanField(default=False, help_text="A baseline (wild-type control) mouse.")
    litter = models.ForeignKey("Litter", on_delete=models.PROTECT, null=True, blank=True, related_name="pups")
    litter_code = models.CharField(max_length=60, blank=True, help_text="The DCC litterId.",
                                   validators=[safe_identifier])
    breeding_status = models.CharField(max_length=10, choices=BreedingStatus, default=BreedingStatus.STOCK,
                                       db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ALIVE, db_index=True)
    status_date = models.DateField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    specimen_status_code = models.CharField(
        max_length=100, blank=True,
        help_text="The DCC specimen statusCode (a controlled term with its label), e.g. for a mouse found dead.",
    )
    specimen_status_date = models.DateField(null=True, blank=True, help_text="The date of the specimen status code.")
    dcc_submitted_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the DCC export first carried this specimen (set by the DCC pipeline). After it the specimen "
                  "ID is locked, and sex, birth, colony and strain change only by a correction with a reason.",
    )
    # What a DCC specimen file said, kept as given (see the class docstring); blank means "derived by the LIMS".
    dcc_colony_id = models.CharField(max_length=125, blank=True, verbose_name="DCC colonyID",
                                     help_text="colonyID as the file gave it (a baseline's colony, another spelling).")
    dcc_strain_id = models.CharField(max_length=150, blank=True, verbose_name="DCC strainID",
                                     help_text="strainID as the file gave it (an MGI id or a strain name).")
    dcc_pipeline = models.CharField(max_length=50, blank=True, verbose_name="DCC pipeline")
    dcc_project = models.CharField(max_length=100, blank=True, verbose_name="DCC project")
    dcc_production_centre = models.CharField(max_length=20, blank=True, verbose_name="DCC productionCentre")
    dcc_phenotyping_centre = models.CharField(max_length=20, blank=True, verbose_name="DCC phenotypingCentre")
    dcc_related_specimens = models.JSONField(
        default=list, blank=True, verbose_name="DCC related specimens",
        help_text='[{"specimenID", "relationship"}] as given, also for relatives the LIMS does not hold.',
    )
    dcc_genotypes = models.JSONField(
        default=list, blank=True, verbose_name="DCC genotypes",
        help_text='[{"MGIGeneId", "geneSymbol", "MGIAlleleId", "fatherZygosity", "motherZygosity"}] as given.',
    )
    dcc_chromosomal_alterations = models.JSONField(
        default=list, blank=True, verbose_name="DCC chromosomal alterations",
        help_text='[{"added": [{"start", "end", "species"}], "removed": [...]}] as given.',
    )
    dcc_parental_strains = models.JSONField(
        default=list, blank=True, verbose_name="DCC parental strains",
        help_text='[{"percentage", "MGIStrainID", "gender", "level"}] as given.',
    )

    class Meta:
        ordering = ["specimen_id"]
        verbose_name_plural = "mice"
        constraints = [
            models.UniqueConstraint(fields=["centre", "specimen_id"], name="mouse_specimen_id_unique_per_centre"),
        ]
        indexes = [
            models.Index(fields=["centre", "colony", "status", "specimen_id"]),  # a colony's page, in order
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["centre", "sex", "status"]),
        ]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.specimen_id

    def get_absolute_url(self) -> str:
        return reverse("colonies:mouse_detail", args=[self.pk])

    @property
    def is_alive(self) -> bool:
        return self.status == self.Status.ALIVE

    @property
    def is_embryo(self) -> bool:
        return self.kind == self.Kind.EMBRYO

    @property
    def sire(self):
        return self.litter.mating.male if self.litter_id else None

    @property
    def dam(self):
        return self.litter.dam if self.litter_id else None


@pghistory.track(*audit_trackers())
class CagePlacement(TimeStampedModel):
    """A mouse in a cage from `started_on` until `ended_on` (open while null): the move history.

    At most one open placement per mouse, enforced by the database.
    """

    centre_path = "mouse__centre"

    mouse = models.ForeignKey(Mouse, on_delete=models.PROTECT, related_name="placements")
    cage = models.ForeignKey(Cage, on_delete=models.PROTECT, related_name="placements")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=100, blank=True, help_text="wean, move, mating, culled …")

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["mouse"], condition=Q(ended_on__isnull=True),
                                    name="one_open_placement_per_mouse"),
        ]
        indexes = [models.Index(fields=["cage", "ended_on"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.mouse} in {self.cage} from {self.started_on}"


@pghistory.track(*audit_trackers())
class Mating(CentreOwnedModel, VoidableModel):
    """One male and one to four females set up together; ended (never deleted) when the breeding stops."""

    # Optimistic locking: the services add 1 on every update; a client sending a stale `version` gets 409.
    version = models.PositiveIntegerField(default=1, editable=False)
    name = models.CharField(max_length=40, help_text="Mating ID; given automatically when blank.",
                            validators=[safe_identifier])
    colony = models.ForeignKey(Colony, on_delete=models.PROTECT, null=True, blank=True, related_name="matings",
                               help_text="The line the pups belong to; blank for a strain (baseline) mating.")
    male = models.ForeignKey(Mouse, on_delete=models.PROTECT, related_name="sired_matings")
    females = models.ManyToManyField(Mouse, through="MatingFemale", related_name="dam_matings")
    cage = models.ForeignKey(Cage, on_delete=models.PROTECT, null=True, blank=True, related_name="matings")
    set_up_on = models.DateField()
    male_separated_on = models.DateField(null=True, blank=True,
                                         help_text="When the male was taken out before delivery.")
    ended_on = models.DateField(null=True, blank=True, db_index=True)
    end_reason = models.CharField(max_length=200, blank=True)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", help_text="The colony manager whose to-do list it is on.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-set_up_on", "name"]
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="mating_name_unique_per_centre")]
        indexes = [models.Index(fields=["centre", "ended_on"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("colonies:mating_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


@pghistory.track(*audit_trackers())
class MatingFemale(models.Model):
    """A female of a mating, from `joined_on` until `left_on`. The database refuses two open rows per female."""

    centre_path = "mating__centre"

    mating = models.ForeignKey(Mating, on_delete=models.PROTECT, related_name="female_rows")
    female = models.ForeignKey(Mouse, on_delete=models.PROTECT, related_name="mating_rows")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["female"], condition=Q(left_on__isnull=True),
                                    name="female_in_one_active_mating"),
        ]
        triggers = [protect_delete()]


@pghistory.track(*audit_trackers())
class Litter(CentreOwnedModel, VoidableModel):
    """A litter of a mating with its counts; weaning it creates the individual mice (`Mouse.litter`)."""

    mating = models.ForeignKey(Mating, on_delete=models.PROTECT, related_name="litters")
    dam = models.ForeignKey(Mouse, on_delete=models.PROTECT, null=True, blank=True, related_name="litters_as_dam",
                            help_text="The mother; needed when the mating has more than one female.")
    code = models.CharField(max_length=60, help_text="Litter ID (the DCC litterId); given automatically when blank.",
                            validators=[safe_identifier])
    born_on = models.DateField()
    born_count = models.PositiveSmallIntegerField(verbose_name="born")
    alive_count = models.PositiveSmallIntegerField(verbose_name="alive")
    dead_count = models.PositiveSmallIntegerField(default=0, verbose_name="dead")
    weaned_on = models.DateField(null=True, blank=True, db_index=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-born_on", "code"]
        constraints = [models.UniqueConstraint(fields=["centre", "code"], name="litter_code_unique_per_centre")]
        indexes = [models.Index(fields=["centre", "weaned_on"])]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("colonies:litter_detail", args=[self.pk])


@pghistory.track(*audit_trackers())
class MouseAllele(TimeStampedModel):
    """A mouse's genotype at one allele. Set by hand or derived from a genotyping result (`source`)."""

    centre_path = "mouse__centre"

    mouse = models.ForeignKey(Mouse, on_delete=models.PROTECT, related_name="alleles")
    allele = models.CharField(max_length=100, help_text="Allele symbol, e.g. Pax6<tm1b(EUCOMM)Wtsi> or Cre.",
                              validators=[safe_allele_symbol])
    zygosity = models.CharField(max_length=15, choices=Mouse.Zygosity, blank=True,
                                help_text="Blank: unknown (its only result was voided).")
    source = models.ForeignKey("GenotypeResult", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["allele"]
        constraints = [models.UniqueConstraint(fields=["mouse", "allele"], name="mouse_allele_unique")]
        triggers = [protect_delete()]

    def __str__(self) -> str:
        return f"{self.allele}: {self.zygosity}"


@pghistory.track(*audit_trackers())
class Reminder(CentreOwnedModel):
    """A job a colony manager has to do, computed daily from the data (`colonies.services.reminders`).

    `key` names the job and its subject (e.g. "wean:litter:12"), so recomputing never duplicates and a job done
    stays done.
    """

    class Kind(models.TextChoices):
        WEAN = "wean", "Wean litter"
        GENOTYPE = "genotype", "Genotype mouse"
        LITTER_CHECK = "litter_check", "Check for a litter"
        SEPARATE_MALE = "separate_male", "Separate the male"
        RETIRE_BREEDERS = "retire_breeders", "Retire breeders"

    kind = models.CharField(max_length=20, choices=Kind, db_index=True)
    key = models.CharField(max_length=80)
    due_on = models.DateField(db_index=True)
    title = models.CharField(max_length=200)
    mating = models.ForeignKey(Mating, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders")
    litter = models.ForeignKey(Litter, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders")
    mouse = models.ForeignKey(Mouse, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["due_on", "kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["centre", "key"], name="reminder_key_unique_per_centre")]
        indexes = [models.Index(fields=["centre", "done_at", "due_on"])]

    def __str__(self) -> str:
        return self.title
