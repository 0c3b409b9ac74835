"""Reads for phenotyping, with relations fetched up front."""
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import CharField, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf

from colonies.models import Cage, CagePlacement, Room
from lims.scoping import scope_for_user
from procedures.models import (
    Experiment,
    LineExperiment,
    LineParameterValue,
    Parameter,
    ParameterValue,
    Pipeline,
    Procedure,
    ScheduledTest,
    Source,
    enterable_parameters_q,
)


def pipeline_list() -> QuerySet[Pipeline]:
    return Pipeline.objects.prefetch_related("procedures")


def has_recordable_parameters(procedure_ref: str = "pk") -> Exists:
    """Whether the procedure (`procedure_ref` from the outer query) has an IMPReSS parameter typed at the bench.

    A procedure without one (no IMPReSS definition loaded, or only derived and media parameters) cannot be
    recorded: it is not scheduled, and a test scheduled before says why instead of opening an empty form.
    """
    return Exists(Parameter.objects.filter(enterable_parameters_q(), procedure=OuterRef(procedure_ref),
                                           source=Source.IMPRESS))


def schedulable_procedures(pipeline: Pipeline) -> QuerySet[Procedure]:
    """The procedures of `pipeline` each enrolled mouse is scheduled for: IMPReSS, mouse-level and recordable.

    A procedure a DCC import registered holds historical values only; one with nothing to type in would give an
    empty form and an empty `<procedure>` at the DCC. Neither is scheduled.
    """
    return (pipeline.procedures.filter(level=Procedure.Level.MOUSE, source=Source.IMPRESS)
            .filter(has_recordable_parameters()))


def unrecordable_reason(procedure: Procedure, parameters) -> str:
    """Why `procedure` cannot be recorded at the bench, in a technician's words ("" when it can).

    `parameters` are the procedure's parameters (already fetched by the caller).
    """
    if procedure.source != Source.IMPRESS:
        return (f"{procedure.name} ({procedure.key}) is not an IMPReSS procedure: it was registered by a DCC import "
                "to keep historical results, and cannot be recorded here.")
    if not any(p.is_enterable and p.source == Source.IMPRESS for p in parameters):
        return (f"{procedure.name} ({procedure.key}) cannot be recorded yet: this LIMS has no IMPReSS parameters "
                "for it that can be typed in. Ask your data wrangler to load its IMPReSS definition; if the test "
                "cannot wait, close it as not performed.")
    return ""


def procedure_list() -> QuerySet[Procedure]:
    return Procedure.objects.select_related("pipeline").prefetch_related("parameters")


def current_placement_prefetch(lookup: str = "mouse__placements") -> Prefetch:
    """Prefetch each mouse's open placement (0 or 1, as `mouse.current_placements`) with its cage, rack and room.

    One query for the whole list however many mice it holds; "current" is the placement with no end date, which the
    database keeps unique per mouse.
    """
    placements = CagePlacement.objects.filter(ended_on__isnull=True).select_related("cage__rack__room")
    return Prefetch(lookup, queryset=placements, to_attr="current_placements")


def scheduled_test_list() -> QuerySet[ScheduledTest]:
    """Scheduled tests with mouse, colony, procedure and the mouse's current cage (see `current_cage_of`)."""
    return ScheduledTest.objects.select_related("centre", "mouse__colony", "procedure").prefetch_related(
        current_placement_prefetch()
    )


def worklist_tests() -> QuerySet[ScheduledTest]:
    """The worklist's tests, with the mouse's current cage, rack and room as values of one join (`cage_*`
    annotations); read them with `worklist_rows`.

    A day of 500 tests built ~2,000 model instances with the placements prefetched (placement, cage, rack and room
    each); `only()`, no centre join and the cage as values keep it to the tests, mice and procedures (the page was
    ~15 × the SQL that reads its rows, `make bench`, worklist).
    """
    return (ScheduledTest.objects.select_related("mouse__colony", "procedure")
            .only("mouse__specimen_id", "mouse__sex", "mouse__date_of_birth", "mouse__colony__name",
                  "procedure__key", "procedure__name", "procedure__week", "procedure__source", "procedure__level",
                  "due_date", "window_end", "status")
            .annotate(open_placement=FilteredRelation("mouse__placements",
                                                      condition=Q(mouse__placements__ended_on__isnull=True)),
                      cage_pk=F("open_placement__cage_id"), cage_key=F("open_placement__cage__cage_id"),
                      cage_position=F("open_placement__cage__position"),
                      cage_rack_id=F("open_placement__cage__rack_id"),
                      cage_rack_name=F("open_placement__cage__rack__name"),
                      cage_room_id=F("open_placement__cage__rack__room_id")))


@dataclass(eq=False)
class WorklistCage:
    """What the worklist shows of a cage (`worklist_tests`' values): its id, place, rack and room."""

    pk: int
    cage_id: str
    position: str
    rack_id: int | None
    rack: object = None


WORKLIST_VALUES = ("pk", "procedure_id", "due_date", "is_overdue", "has_draft", "recordable", "mouse_id",
                   "mouse__specimen_id", "mouse__sex", "mouse__date_of_birth", "mouse__colony_id",
                   "mouse__colony__name", "cage_pk", "cage_key", "cage_position", "cage_rack_id", "cage_rack_name",
                   "cage_room_id")


def worklist_rows(tests: QuerySet[ScheduledTest]) -> list[SimpleNamespace]:
    """The worklist's tests (`worklist_tests`, annotated by the view with `is_overdue`, `has_draft`, `recordable`)
    read as values, as light objects with what the page reads of a test: `pk`, `procedure` (the real instance, one
    per procedure), `mouse` (with `colony` and `current_placements`, so `current_cage_of` and `room_of` work) and the
    annotations. Model instances for 500 tests and their mice were most of the page's time (`make bench`, worklist).
    """
    rows = list(tests.values(*WORKLIST_VALUES))
    procedures = Procedure.objects.in_bulk({row["procedure_id"] for row in rows})
    rooms = Room.objects.in_bulk({row["cage_room_id"] for row in rows if row["cage_room_id"]})
    cages: dict[int, WorklistCage] = {}
    out = []
    for row in rows:
        cage = cages.get(row["cage_pk"])
        if cage is None and row["cage_pk"] is not None:
            rack = SimpleNamespace(name=row["cage_rack_name"], room=rooms.get(row["cage_room_id"]))
            cage = cages[row["cage_pk"]] = WorklistCage(row["cage_pk"], row["cage_key"], row["cage_position"],
                                                        row["cage_rack_id"], rack if row["cage_rack_id"] else None)
        mouse = SimpleNamespace(
            pk=row["mouse_id"], specimen_id=row["mouse__specimen_id"], sex=row["mouse__sex"],
            date_of_birth=row["mouse__date_of_birth"], colony_id=row["mouse__colony_id"],
            colony=SimpleNamespace(name=row["mouse__colony__name"]),
            current_placements=[SimpleNamespace(cage=cage)] if cage is not None else [])
        out.append(SimpleNamespace(
            pk=row["pk"], procedure_id=row["procedure_id"], procedure=procedures[row["procedure_id"]], mouse=mouse,
            due_date=row["due_date"], is_overdue=row["is_overdue"], has_draft=row["has_draft"],
            recordable=row["recordable"]))
    return out


def current_cage_of(mouse) -> Cage | None:
    """The cage a mouse is in now, from `current_placement_prefetch` (no query); None when it has no open placement."""
    placements = getattr(mouse, "current_placements", None)
    if placements is None:  # not prefetched: ask the database (one query), never guess
        placements = list(mouse.placements.filter(ended_on__isnull=True).select_related("cage__rack__room"))
    return placements[0].cage if placements else None


def room_of(cage: Cage | None) -> Room | None:
    return cage.rack.room if cage is not None and cage.rack_id else None


def current_cage_annotations(mouse_ref: str = "mouse") -> dict:
    """`current_cage_key` (the cage ID) and `current_room_id` of the mouse `mouse_ref` names, as annotations: what
    `current_cage_of` and `room_of` give an instance, for a list read with `values()` (`lims.lean`)."""
    placement = CagePlacement.objects.filter(mouse=OuterRef(mouse_ref), ended_on__isnull=True)
    return {"current_cage_key": Subquery(placement.values("cage__cage_id")[:1]),
            "current_room_id": Subquery(placement.values("cage__rack__room_id")[:1])}


def experiment_id_expression():
    """`Experiment.experiment_id` in SQL: the imported experimentID, else `<centre code>-EXP-<pk>`."""
    return Coalesce(NullIf("dcc_experiment_id", Value("")),
                    Concat("centre__code", Value("-EXP-"), Cast("pk", CharField())), output_field=CharField())


def recorded_unit_expression():
    """A value's `recorded_unit` in SQL: its own unit, else its parameter's."""
    return Coalesce("unit", "parameter__unit", output_field=CharField())


@dataclass
class WorklistRoom:
    """The tests due in one room (None: mice in no cage, or in a cage on no rack), cage after cage."""

    room: Room | None
    cages: list[tuple[Cage | None, list[ScheduledTest]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(tests) for _, tests in self.cages)


def _room_key(room: Room | None) -> tuple:
    return (1, "", "", 0) if room is None else (0, room.building.casefold(), room.name.casefold(), room.pk)


def _cage_key(cage: Cage | None) -> tuple:
    if cage is None:
        return (1, "", "", "")
    rack = cage.rack.name.casefold() if cage.rack_id else ""
    return (0, rack, cage.position.casefold(), cage.cage_id.casefold())


def worklist_by_room(tests) -> list[WorklistRoom]:
    """Group tests by the current room, then cage, in the order a technician walks them: rack by rack, position by
    position. Rooms sort by building and name, mice within a cage by specimen ID, then procedure week and due date.

    Each test gets `current_cage` and `current_room`. Needs `mouse.current_placements` prefetched
    (`scheduled_test_list` does) to stay at one query.
    """
    rows = []
    for test in tests:
        test.current_cage = current_cage_of(test.mouse)
        test.current_room = room_of(test.current_cage)
        rows.append(test)
    rows.sort(key=lambda t: (_room_key(t.current_room), _cage_key(t.current_cage), t.mouse.specimen_id,
                             t.procedure.week if t.procedure.week is not None else -1, t.procedure.key, t.due_date))
    groups: list[WorklistRoom] = []
    for test in rows:
        if not groups or groups[-1].room != test.current_room:
            groups.append(WorklistRoom(room=test.current_room))
        cages = groups[-1].cages
        if not cages or cages[-1][0] != test.current_cage:
            cages.append((test.current_cage, []))
        cages[-1][1].append(test)
    return groups


def experiment_list() -> QuerySet[Experiment]:
    values = ParameterValue.objects.select_related("parameter")
    return Experiment.objects.select_related("centre", "mouse", "procedure").prefetch_related(
        Prefetch("values", queryset=values)
    )


def line_experiment_list() -> QuerySet[LineExperiment]:
    values = LineParameterValue.objects.select_related("parameter")
    return LineExperiment.objects.select_related("centre", "colony", "procedure", "recorded_by").prefetch_related(
        Prefetch("values", queryset=values)
    )


def last_metadata(user, procedure: Procedure) -> tuple[Experiment | None, dict[str, str]]:
    """The user's last experiment of `procedure` and its metadata (equipment, calibration …) by parameter key.

    A session weighs dozens of mice on the same scale with the same grid: the record and batch pages offer these
    values to check rather than retype, and say which experiment they came from.
    """
    last = (
        scope_for_user(Experiment.objects.all(), user)
        .filter(procedure=procedure, recorded_by=user, voided_at__isnull=True)
        .select_related("mouse").order_by("-created_at").first()
    )
    if last is None:
        return None, {}
    values = last.values.filter(parameter__type=Parameter.Type.METADATA, increment="").exclude(value="")
    return last, dict(values.values_list("parameter__key", "value"))


def due_in_cage(cage: Cage, user, day) -> int:
    """How many scheduled tests of the mice in `cage` now are due on or before `day` (the user's centre only)."""
    return (scope_for_user(ScheduledTest.objects.all(), user)
            .filter(status=ScheduledTest.Status.SCHEDULED, due_date__lte=day, mouse__voided_at__isnull=True,
                    mouse__placements__ended_on__isnull=True, mouse__placements__cage=cage).count())

