"""Reads for production and colony management, with the relations each list shows fetched up front (no N+1),
and the production line filters the list pages and the production report share (`reached`, `idle`).
"""
import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db.models import Count, DateField, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from colonies.models import (
    AlleleModification,
    Cage,
    CagePlacement,
    Colony,
    ColonySettings,
    EsCell,
    Litter,
    Mating,
    MatingFemale,
    MicroInjection,
    Mouse,
    PhenotypingAttempt,
    Plan,
    Room,
    StatusStamp,
)
from lims.models import Centre, Strain
from lims.scoping import scope_for_user


def colony_settings_for(centre: Centre | int | None) -> ColonySettings:
    """A centre's colony settings (given the centre or its id): its saved row, or the model's defaults (unsaved) when
    the centre never changed them. The one place every rule, reminder, list and report reads its thresholds from.

    One query each call, never a relation cached on a `Centre` object, so a change saved a moment ago (through
    another object of the same centre) is always the one applied.
    """
    centre_id = getattr(centre, "pk", centre)
    return ColonySettings.objects.filter(centre_id=centre_id).first() or ColonySettings(centre_id=centre_id)


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.select_related("centre", "gene", "consortium")


def es_cell_list() -> QuerySet[EsCell]:
    return EsCell.objects.select_related("centre", "gene", "strain")


def microinjection_list() -> QuerySet[MicroInjection]:
    return MicroInjection.objects.select_related(
        "centre", "plan__gene", "plan__consortium", "es_cell", "blast_strain", "test_cross_strain",
        "colony_background_strain",
    )


def microinjection_detail_list() -> QuerySet[MicroInjection]:
    """Attempts with their stamps, guides and nucleases (the API shows all three)."""
    return microinjection_list().prefetch_related("stamps", "guides", "nucleases")


def colony_list() -> QuerySet[Colony]:
    return Colony.objects.select_related("centre", "gene", "microinjection", "allele_modification",
                                         "background_strain")


def mouse_list() -> QuerySet[Mouse]:
    """Mice with their colony, strain, current placement (`current_placements`, 0 or 1) and alleles."""
    return Mouse.objects.select_related("centre", "colony", "strain", "litter__mating__male",
                                        "litter__dam").prefetch_related(
        Prefetch("placements", queryset=CagePlacement.objects.filter(ended_on__isnull=True).select_related(
            "cage__rack__room"), to_attr="current_placements"),
        "alleles",
    )


def mouse_api_list() -> QuerySet[Mouse]:
    """The API's mice: the rows of `mouse_list`, with parents and the current cage as annotated identifiers.

    The API shows a mouse's sire, dam and cage by their ids only, so it joins for those strings instead of building
    the litter, mating, parent, placement, cage, rack and room objects `mouse_list` gives the pages: a page of 50
    mice builds ~50 instances, not ~600, which was most of the request's time (`make bench`, api_mice).
    """
    current_cage = (CagePlacement.objects.filter(mouse=OuterRef("pk"), ended_on__isnull=True)
                    .values("cage__cage_id")[:1])
    own = [f.name for f in Mouse._meta.concrete_fields]
    return (Mouse.objects.select_related("centre", "colony", "strain", "litter")
            .only(*own, "centre__code", "colony__name", "strain__name", "litter__code")
            .annotate(sire_specimen_id=F("litter__mating__male__specimen_id"),
                      dam_specimen_id=F("litter__dam__specimen_id"),
                      current_cage_id=Subquery(current_cage))
            .prefetch_related("alleles"))


def mouse_api_row_annotations() -> dict:
    """What the API list shows of a mouse's related rows, as scalar subqueries for `values()` (`lims.lean`).

    The same answers as `mouse_api_list`; but its seven joins (centre, colony, strain, litter, mating, sire, dam)
    made PostgreSQL plan the page for ~4 ms, against ~1 ms to read it, while each scalar subquery plans on its own in
    microseconds. They are added after the filters: every `filter()` copies the annotations it finds, and seven
    subqueries copied per filter were a third of the request's Python time (`make bench`, api_mice).
    """
    # No ORDER BY in them: each finds at most one row (a primary key; a mouse's one open placement, a unique index),
    # and the models' default orderings added a sort per subquery per row, ~a third of the page query's time.
    def name_of(model, field: str, ref: str) -> Subquery:
        return Subquery(model.objects.filter(pk=OuterRef(ref)).order_by().values(field)[:1])

    litter = Litter.objects.filter(pk=OuterRef("litter_id")).order_by()
    current_cage = (CagePlacement.objects.filter(mouse=OuterRef("pk"), ended_on__isnull=True).order_by()
                    .values("cage__cage_id")[:1])
    return dict(
        centre_code=name_of(Centre, "code", "centre_id"), colony_name=name_of(Colony, "name", "colony_id"),
        strain_name=name_of(Strain, "name", "strain_id"), litter_key=Subquery(litter.values("code")[:1]),
        sire_specimen_id=Subquery(litter.values("mating__male__specimen_id")[:1]),
        dam_specimen_id=Subquery(litter.values("dam__specimen_id")[:1]), current_cage_id=Subquery(current_cage))


def room_list() -> QuerySet[Room]:
    return Room.objects.select_related("centre").annotate(
        cage_count=Count("racks__cages", filter=Q(racks__cages__closed_on__isnull=True), distinct=True),
    ).order_by("building", "name")


def cage_list() -> QuerySet[Cage]:
    """Cages with their place and how many mice are in them now (`occupancy`)."""
    return Cage.objects.select_related("centre", "rack__room").annotate(
        occupancy=Count("placements", filter=Q(placements__ended_on__isnull=True)),
    ).order_by("cage_id")


def open_placements() -> QuerySet[CagePlacement]:
    return CagePlacement.objects.filter(ended_on__isnull=True).select_related("mouse__colony", "mouse__strain")


def mating_list() -> QuerySet[Mating]:
    """Matings with male, cage, colony and their current female rows (`current_females`)."""
    return Mating.objects.select_related("centre", "colony", "male", "cage", "responsible").prefetch_related(
        Prefetch("female_rows", queryset=MatingFemale.objects.select_related("female"), to_attr="all_female_rows"),
    )


def colony_cages(colony: Colony, user) -> QuerySet[Cage]:
    """The open cages holding a mouse of `colony` now, for the colony's page (scoped to `user`'s centre)."""
    holding = CagePlacement.objects.filter(ended_on__isnull=True, mouse__colony=colony).values("cage_id")
    cages = cage_list().filter(pk__in=holding, closed_on__isnull=True, voided_at__isnull=True)
    return scope_for_user(cages, user)


def colony_matings(colony: Colony, user) -> QuerySet[Mating]:
    """The colony's matings, running ones first, for the colony's page (scoped to `user`'s centre)."""
    matings = mating_list().filter(colony=colony, voided_at__isnull=True)
    return scope_for_user(matings, user).order_by(F("ended_on").desc(nulls_first=True), "-set_up_on")


def litter_list() -> QuerySet[Litter]:
    return Litter.objects.select_related("centre", "mating__colony", "mating__male", "dam").annotate(
        pup_count=Count("pups"),
    ).order_by("-born_on", "code")


def allele_modification_list() -> QuerySet[AlleleModification]:
    return AlleleModification.objects.select_related(
        "centre", "parent_colony", "deleter_strain", "background_strain", "child_colony"
    ).prefetch_related("stamps")


def phenotyping_attempt_list() -> QuerySet[PhenotypingAttempt]:
    return PhenotypingAttempt.objects.select_related("centre", "parent_colony", "background_strain").prefetch_related(
        "stamps"
    )


# --- Production lines by status date and by idle time (the list filters and `lims.reports.production`) ----------

MI, AM, PA = MicroInjection.Status, AlleleModification.Status, PhenotypingAttempt.Status

#: The production stages in order, as the production report counts them and the list pages filter them:
#: (key, label, model, status, list URL name).
STAGES = [
    ("mi_mip", "Micro-injection in progress", MicroInjection, MI.IN_PROGRESS, "colonies:microinjection_list"),
    ("mi_chr", "Chimeras obtained", MicroInjection, MI.CHIMERAS_OBTAINED, "colonies:microinjection_list"),
    ("mi_gtc", "Genotype confirmed", MicroInjection, MI.GENOTYPE_CONFIRMED, "colonies:microinjection_list"),
    ("am_cec", "Cre excision complete", AlleleModification, AM.CRE_COMPLETE, "colonies:allelemodification_list"),
    ("pa_pds", "Phenotyping started", PhenotypingAttempt, PA.STARTED, "colonies:phenotypingattempt_list"),
    ("pa_pdc", "Phenotyping complete", PhenotypingAttempt, PA.COMPLETE, "colonies:phenotypingattempt_list"),
]
#: Statuses of an attempt still under way (not finished, not aborted): the lines that can languish.
OPEN_MI = [MI.IN_PROGRESS, MI.CHIMERAS_OBTAINED, MI.FOUNDER_OBTAINED]
#: Languishing bands, months since the last status (upper bound excluded; None = no upper bound).
IDLE_BANDS = [(0, 3), (3, 6), (6, 12), (12, None)]


def months_ago(today: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months before `today` (the last day of a shorter month)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def last_activity() -> Coalesce:
    """The date of an attempt's latest status stamp (its injection date when it has none)."""
    latest = StatusStamp.objects.filter(microinjection=OuterRef("pk")).order_by("-reached_on").values("reached_on")
    return Coalesce(Subquery(latest[:1], output_field=DateField()), F("mi_date"))


def filter_reached(queryset: QuerySet, value: str) -> QuerySet:
    """`reached=gtc:2026-01`: the lines that reached status `gtc` in January 2026 (a filter of the list pages)."""
    status, _, month = value.partition(":")
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        return queryset.none()
    return queryset.filter(stamps__status=status, stamps__reached_on__year=first.year,
                           stamps__reached_on__month=first.month).distinct()


#: The longest idle time a filter may name (a century): months beyond it reach dates Python cannot represent.
IDLE_MAX_MONTHS = 1200
_IDLE_RE = re.compile(r"\s*(\d{1,30})\s*(?:-\s*(\d{0,30})\s*)?")


def parse_idle(value: str) -> tuple[int, int | None]:
    """`"6-12"` → (6, 12), `"12-"` or `"12"` → (12, None): months since an attempt's last status.

    Raises:
        ValidationError: not FROM-TO months, more than IDLE_MAX_MONTHS, or TO below FROM.
    """
    match = _IDLE_RE.fullmatch(value or "")
    if match is None:
        raise ValidationError("Give the months since the last status as FROM-TO, e.g. 6-12 (or 12- for 12 and more).")
    low, high = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    if max(low, high or 0) > IDLE_MAX_MONTHS:
        raise ValidationError(f"Give at most {IDLE_MAX_MONTHS} months (a century).")
    if high is not None and high < low:
        raise ValidationError(f"The range {low}-{high} ends before it starts; give FROM-TO with FROM ≤ TO.")
    return low, high


def filter_idle(queryset: QuerySet, value: str, *, today: dt.date | None = None) -> QuerySet:
    """`idle=6-12`: open attempts whose last status is 6 to 12 months old (`12-` has no upper bound).

    The list filters validate the value first (`parse_idle`, 400 with its message); a bad value reaching this
    function from elsewhere matches nothing.
    """
    try:
        low, high = parse_idle(value)
    except ValidationError:
        return queryset.none()
    today = today or timezone.localdate()
    queryset = queryset.filter(status__in=OPEN_MI).annotate(_last=last_activity()).filter(
        _last__lte=months_ago(today, low))
    return queryset.filter(_last__gt=months_ago(today, high)) if high is not None else queryset
