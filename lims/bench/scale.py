"""A deterministic, centre-sized data set for benchmarks and load tests (`manage.py seed_scale`).

N mice over N/50 colonies, each colony with its production history (plan → ES cell → micro-injection with status
stamps → colony), two matings whose litters gave the colony's pups, cages on racks in rooms with time-ranged
placements (a weaning cage, then a stock cage, never more than five mice at a time), a schedule per pup for every
mouse-level procedure of the pipeline, and experiments with about 30 valid values per mouse for the procedures the
IMPReSS subset defined parameters for (BWT, GRS, IPG; the same parameters since the full definition, see
`SEEDED_PARAMETERS`).

Why bulk inserts: creating 100,000 mice through the services would take hours (a service validates and audits one
record at a time). `bulk_create` still fires the pghistory triggers, so every row has its insert event, tagged with
the command that wrote it; only the per-record Python validation is skipped, and the values are generated valid
(`procedures.validation.normalise_value` is applied to every one of them, so they are what the form would store).

Everything comes from `random.Random(seed)` and the given `today`: the same seed and day give the same specimen
IDs, dates and values. Rows are generated and inserted one slice of colonies at a time so memory stays flat.
"""
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, reset_queries, transaction

from colonies.models import (
    Cage,
    CagePlacement,
    Colony,
    EsCell,
    Litter,
    Mating,
    MatingFemale,
    MicroInjection,
    Mouse,
    Plan,
    Rack,
    Room,
    StatusStamp,
)
from lims.audit import audit_context
from lims.models import Centre, Consortium, Gene, Strain
from procedures.models import Experiment, Parameter, ParameterValue, Pipeline, Procedure, ScheduledTest
from procedures.selectors import schedulable_procedures
from procedures.services import DEFAULT_WINDOW_DAYS, due_date_for
from procedures.validation import normalise_value

MICE_PER_COLONY = 50
CAGES_PER_RACK = 60
RACKS_PER_ROOM = 10
BATCH = 2000
#: The procedures with parameters in the IMPReSS subset: every old-enough mouse gets one experiment of each.
RECORDED_PROCEDURES = ("IMPC_BWT_001", "IMPC_GRS_001", "IMPC_IPG_001")
#: The parameters seeded where the full IMPReSS definition has more than the subset had: IPGTT's body weight and
#: glucose curve only, not the seven metadata parameters the 2020 definition added, so that the seeded workload
#: (about 30 values a mouse) stays the one docs/performance.md measured. Procedures not listed get every enterable
#: parameter (BWT and GRS have the same ones in both definitions).
SEEDED_PARAMETERS = {"IMPC_IPG_001": ("IMPC_IPG_001_001", "IMPC_IPG_002_001")}
#: Weeks of age of the repeated body weights recorded without a scheduled test (weekly weighing).
WEIGHT_WEEKS = (4, 6, 8, 10, 12, 14, 15)
WRITTEN_TYPES = (Parameter.Type.SIMPLE, Parameter.Type.SERIES, Parameter.Type.METADATA)


@dataclass
class ScaleCounts:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, n: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


def prefix_for(seed: int) -> str:
    """The prefix of every name the seeder writes, so that seeds do not collide and a run can be found again."""
    return f"SC{seed}"


def ensure_reference() -> None:
    """Load centres, strains, genes and the IMPReSS definition when the database has none (as `load_reference`)."""
    if not Pipeline.objects.exists() or not Centre.objects.exists():
        from lims.reference import reference_load
        from procedures.impress import impress_load_file

        reference_load()
        impress_load_file(settings.BASE_DIR / "fixtures" / "impress_impc_001.json")


def value_for(parameter: Parameter, rng: random.Random, *, on: date) -> str:
    """A valid value of `parameter` (its type, options and plausible range), normalised as the form would."""
    if parameter.options:
        return normalise_value(parameter, rng.choice(parameter.options))
    kind = (parameter.value_type or "TEXT").upper()
    low = parameter.min_value if parameter.min_value is not None else 1.0
    high = parameter.max_value if parameter.max_value is not None else max(low + 1.0, 100.0)
    if kind == "FLOAT":
        raw = f"{rng.uniform(low, high):.3f}"
    elif kind == "INT":
        raw = str(rng.randint(int(low), int(high)))
    elif kind == "DATE":
        raw = on.isoformat()
    elif kind == "DATETIME":
        raw = f"{on.isoformat()}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00"
    elif kind == "BOOL":
        raw = rng.choice(("true", "false"))
    else:
        raw = f"{parameter.key[-7:]}-{rng.randint(1, 20)}"
    return normalise_value(parameter, raw)


def entered_values(procedure: Procedure, parameters: list[Parameter], rng: random.Random, *, on: date):
    """(parameter, increment, value) of one experiment: every enterable simple, series and metadata parameter
    (those of `SEEDED_PARAMETERS` where the procedure is listed there)."""
    only = SEEDED_PARAMETERS.get(procedure.key)
    for parameter in parameters:
        if not parameter.is_enterable or parameter.type not in WRITTEN_TYPES:
            continue
        if only is not None and parameter.key not in only:
            continue
        if parameter.type == Parameter.Type.SERIES and parameter.increments:
            for increment in parameter.increments:
                yield parameter, str(increment), value_for(parameter, rng, on=on)
        else:
            yield parameter, "", value_for(parameter, rng, on=on)


class _Seeder:
    def __init__(self, *, mice: int, seed: int, centre: Centre, today: date, batch_size: int,
                 phenotyping: bool = True):
        self.n, self.seed, self.centre, self.today, self.batch = mice, seed, centre, today, batch_size
        self.with_phenotyping = phenotyping
        self.rng = random.Random(seed)
        self.prefix = prefix_for(seed)
        self.result = ScaleCounts()
        self.pipeline = Pipeline.objects.get(key=centre.default_pipeline or "IMPC_001")
        self.procedures = list(schedulable_procedures(self.pipeline).order_by("pk"))
        self.recorded = [p for p in self.procedures if p.key in RECORDED_PROCEDURES]
        self.parameters = {p.pk: list(p.parameters.order_by("order", "key")) for p in self.recorded}
        self.genes = list(Gene.objects.order_by("pk"))
        self.consortium = Consortium.objects.order_by("pk").first()
        strains = list(Strain.objects.order_by("pk"))
        self.background = next((s for s in strains if s.is_background), strains[0])
        self.cage_seq = 0
        self.racks: list[Rack] = []

    # --- helpers -----------------------------------------------------------------------------------------------

    def _insert(self, model, rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=self.batch)
        self.result.add(model._meta.model_name, len(rows))
        return created

    def _racks(self, cages_needed: int) -> None:
        """Rooms and racks enough for the cages the whole run will open."""
        racks = -(-cages_needed // CAGES_PER_RACK)
        rooms = self._insert(Room, [
            Room(centre=self.centre, building=f"{self.prefix} Unit", name=f"Room {i + 1:03d}")
            for i in range(-(-racks // RACKS_PER_ROOM))
        ])
        self.racks = self._insert(Rack, [
            Rack(centre=self.centre, room=rooms[i // RACKS_PER_ROOM], name=f"R{i + 1:04d}", positions=CAGES_PER_RACK)
            for i in range(racks)
        ])

    def _cage(self, cage_type: str, opened_on: date, closed_on: date | None = None) -> Cage:
        index = self.cage_seq
        self.cage_seq += 1
        rack = self.racks[(index // CAGES_PER_RACK) % len(self.racks)]
        return Cage(centre=self.centre, cage_id=f"{self.prefix}-C{index + 1:07d}", cage_type=cage_type, capacity=5,
                    rack=rack, position=f"{chr(65 + (index % CAGES_PER_RACK) // 10)}{index % 10 + 1}",
                    opened_on=opened_on, closed_on=closed_on)

    # --- production ----------------------------------------------------------------------------------------------

    def production(self, first: int, count: int) -> list[Colony]:
        rng, centre = self.rng, self.centre
        genes = [self.genes[(first + i) % len(self.genes)] for i in range(count)]
        plans = self._insert(Plan, [
            Plan(centre=centre, gene=gene, consortium=self.consortium, priority=rng.choice(("high", "medium", "low")))
            for gene in genes
        ])
        cells = self._insert(EsCell, [
            EsCell(centre=centre, gene=gene, name=f"{self.prefix}-EPD{first + i + 1:06d}_A01", allele_type="a",
                   allele_symbol_superscript="tm1a(EUCOMM)Wtsi", pipeline="EUCOMM", parental_cell_line="JM8A3.N1",
                   strain=self.background)
            for i, gene in enumerate(genes)
        ])
        mi_dates = [self.today - timedelta(days=rng.randint(400, 1500)) for _ in range(count)]
        injections = self._insert(MicroInjection, [
            MicroInjection(
                centre=centre, plan=plan, kind=MicroInjection.Kind.ES_CELL, es_cell=cell,
                external_ref=f"{self.prefix}-MI{first + i + 1:06d}", mi_date=mi_dates[i],
                date_chimeras_mated=mi_dates[i] + timedelta(days=42),
                status=MicroInjection.Status.GENOTYPE_CONFIRMED, blast_strain=self.background,
                colony_background_strain=self.background, total_blasts_injected=rng.randint(40, 120),
                total_transferred=rng.randint(30, 100), number_surrogates_receiving=rng.randint(2, 6),
                total_pups_born=rng.randint(5, 30), total_male_chimeras=rng.randint(1, 6),
                total_female_chimeras=rng.randint(0, 3), number_of_chimera_matings_attempted=2,
                number_of_chimera_matings_successful=1, number_of_het_offspring=rng.randint(1, 8),
            )
            for i, (plan, cell) in enumerate(zip(plans, cells))
        ])
        stamps = []
        for mi, mi_date in zip(injections, mi_dates):
            for status, days in (("mip", 0), ("chr", 21), ("gtc", 90)):
                stamps.append(StatusStamp(microinjection=mi, status=status, reached_on=mi_date + timedelta(days=days)))
        self._insert(StatusStamp, stamps)
        return self._insert(Colony, [
            Colony(centre=centre, name=f"{self.prefix}-{gene.symbol}-{first + i + 1:05d}", gene=gene,
                   microinjection=mi, background_strain=self.background,
                   genotype_status=Colony.GenotypeStatus.CONFIRMED,
                   allele_symbol=f"{gene.symbol}<tm1a(EUCOMM)Wtsi>")
            for i, (gene, mi) in enumerate(zip(genes, injections))
        ])

    # --- husbandry --------------------------------------------------------------------------------------------------

    def _mouse(self, number: int, colony: Colony, sex: str, born: date, litter: Litter | None = None) -> Mouse:
        rng = self.rng
        status, status_date = Mouse.Status.ALIVE, None
        if rng.random() < 0.12:
            status = rng.choice((Mouse.Status.CULLED, Mouse.Status.DEAD))
            status_date = min(self.today, born + timedelta(days=rng.randint(60, 200)))
        return Mouse(
            centre=self.centre, specimen_id=f"{self.prefix}-M{number:07d}", colony=colony, strain=self.background,
            sex=sex, date_of_birth=born, litter=litter, litter_code=litter.code if litter else "",
            zygosity=rng.choice((Mouse.Zygosity.HETEROZYGOUS, Mouse.Zygosity.HOMOZYGOUS, Mouse.Zygosity.WILD_TYPE)),
            generation="N2F1", ear_mark=f"{rng.randint(1, 99)}", status=status, status_date=status_date,
            status_reason="end of study" if status_date else "",
            breeding_status=Mouse.BreedingStatus.BREEDER if litter is None else Mouse.BreedingStatus.STOCK,
        )

    def colonies(self, colonies: list[Colony], first_mouse: int, sizes: list[int]) -> list[Mouse]:
        """Breeders, matings, litters and pups of a slice of colonies, with their cages and placements."""
        plan, number = self._breeders(colonies, first_mouse, sizes)
        matings = self._matings(plan, first_mouse)
        litters, litter_pups = self._litters(colonies, sizes, plan, matings)
        litters = self._insert(Litter, litters)
        pups: list[Mouse] = []
        for litter, (colony, count) in zip(litters, litter_pups):
            for _ in range(count):
                pups.append(self._mouse(number, colony, self.rng.choice((Mouse.Sex.MALE, Mouse.Sex.FEMALE)),
                                        litter.born_on, litter))
                number += 1
        pups = self._insert(Mouse, pups)
        self._place(pups, litters)
        return pups

    def _breeders(self, colonies: list[Colony], number: int, sizes: list[int]) -> tuple[list, int]:
        """A male and one or two females per mating, one or two matings per colony, inserted; the (colony, trio) of
        each mating and the next mouse number. Breeders come first: pups point at them."""
        breeders: list[Mouse] = []
        plan = []
        for colony, size in zip(colonies, sizes):
            females_per = 1 if size < 6 else 2
            for _ in range(min(2, max(1, size // 6))):
                born = self.today - timedelta(days=self.rng.randint(100, 400))
                trio = [self._mouse(number, colony, Mouse.Sex.MALE, born)]
                number += 1
                for _ in range(females_per):
                    trio.append(self._mouse(number, colony, Mouse.Sex.FEMALE, born))
                    number += 1
                for mouse in trio:
                    mouse.status, mouse.status_date, mouse.status_reason = Mouse.Status.ALIVE, None, ""
                breeders.extend(trio)
                plan.append((colony, trio))
        self._insert(Mouse, breeders)  # sets the pks of the trios' mice in place
        return plan, number

    def _matings(self, plan: list, first_mouse: int) -> list[Mating]:
        """A breeding cage, a mating and its placements for each (colony, trio), inserted."""
        cages = self._insert(Cage, [
            self._cage(Cage.CageType.BREEDING, trio[0].date_of_birth + timedelta(days=56)) for _, trio in plan
        ])
        matings = self._insert(Mating, [
            Mating(centre=self.centre, name=f"{self.prefix}-MT{first_mouse:07d}-{i + 1}", colony=colony,
                   male=trio[0], cage=cage, set_up_on=cage.opened_on)
            for i, ((colony, trio), cage) in enumerate(zip(plan, cages))
        ])
        self._insert(MatingFemale, [
            MatingFemale(mating=mating, female=female, joined_on=mating.set_up_on)
            for mating, (_, trio) in zip(matings, plan) for female in trio[1:]
        ])
        self._insert(CagePlacement, [
            CagePlacement(mouse=mouse, cage=cage, started_on=cage.opened_on, reason="mating")
            for cage, (_, trio) in zip(cages, plan) for mouse in trio
        ])
        return matings

    def _litters(self, colonies: list[Colony], sizes: list[int], plan: list, matings: list[Mating]) -> tuple:
        """Litters (not inserted) enough per mating for each colony's pups, 5-9 weaned each, born every ~25 days from
        set-up + 20; and the (colony, pup count) of each."""
        litters, litter_pups = [], []
        by_colony: dict[int, list[int]] = {}
        for index, (colony, trio) in enumerate(plan):
            by_colony.setdefault(colony.pk, []).append(index)
        for colony, size in zip(colonies, sizes):
            pups_left = size - sum(len(plan[i][1]) for i in by_colony[colony.pk])
            k = 0
            while pups_left > 0:
                index = by_colony[colony.pk][k % len(by_colony[colony.pk])]
                mating, trio = matings[index], plan[index][1]
                round_ = k // len(by_colony[colony.pk])
                born = mating.set_up_on + timedelta(days=20 + 25 * round_ + self.rng.randint(0, 3))
                born = min(born, self.today - timedelta(days=22))
                weaned = self.rng.randint(5, 9)
                pups = min(pups_left, weaned)
                pups_left -= pups
                litters.append(Litter(
                    centre=self.centre, mating=mating, dam=trio[1 + round_ % (len(trio) - 1)],
                    code=f"{mating.name}-L{round_ + 1}", born_on=born, born_count=weaned + 1,
                    alive_count=weaned, dead_count=1, weaned_on=born + timedelta(days=21),
                ))
                litter_pups.append((colony, pups))
                k += 1
        return litters, litter_pups

    def _place(self, pups: list[Mouse], litters: list[Litter]) -> None:
        """A weaning cage per group of up to five littermates, then a stock cage for the same group at six weeks."""
        rng = self.rng
        groups: list[list[Mouse]] = []
        current: list[Mouse] = []
        for mouse in pups:
            if current and (len(current) >= rng.randint(3, 5) or current[0].litter_id != mouse.litter_id):
                groups.append(current)
                current = []
            current.append(mouse)
        if current:
            groups.append(current)
        weaning, stock = [], []
        for group in groups:
            litter = group[0].litter
            moved = litter.born_on + timedelta(days=42)
            moved = moved if moved < self.today else None
            weaning.append(self._cage(Cage.CageType.WEANING, litter.weaned_on, moved))
            stock.append(self._cage(Cage.CageType.STOCK, moved) if moved else None)
        weaning = self._insert(Cage, weaning)
        stock_rows = self._insert(Cage, [c for c in stock if c is not None])
        stock_iter = iter(stock_rows)
        placements = []
        for group, wcage, scage in zip(groups, weaning, stock):
            scage = next(stock_iter) if scage is not None else None
            for mouse in group:
                ended = wcage.closed_on
                gone = mouse.status_date
                if scage is None:
                    placements.append(CagePlacement(mouse=mouse, cage=wcage, started_on=wcage.opened_on,
                                                    ended_on=gone, reason="wean"))
                    continue
                if gone and gone <= ended:
                    placements.append(CagePlacement(mouse=mouse, cage=wcage, started_on=wcage.opened_on,
                                                    ended_on=gone, reason="wean"))
                    continue
                placements.append(CagePlacement(mouse=mouse, cage=wcage, started_on=wcage.opened_on, ended_on=ended,
                                                reason="wean"))
                placements.append(CagePlacement(mouse=mouse, cage=scage, started_on=ended, ended_on=gone,
                                                reason="move"))
        self._insert(CagePlacement, placements)

    # --- phenotyping -------------------------------------------------------------------------------------------------

    def phenotyping(self, pups: list[Mouse]) -> None:
        """Enrol every pup at weaning; tests whose window has passed are done (with an experiment) or missed."""
        rng = self.rng
        tests: list[ScheduledTest] = []
        for mouse in pups:
            enrolled = mouse.litter.weaned_on
            for procedure in self.procedures:
                due = due_date_for(mouse, procedure, enrolled_on=enrolled)
                end = due + timedelta(days=DEFAULT_WINDOW_DAYS - 1)
                status = ScheduledTest.Status.SCHEDULED
                alive_then = mouse.status_date is None or mouse.status_date >= end
                if end < self.today:
                    status = ScheduledTest.Status.DONE if procedure in self.recorded and alive_then \
                        else ScheduledTest.Status.MISSED
                elif not alive_then:
                    status = ScheduledTest.Status.CANCELLED
                tests.append(ScheduledTest(centre=self.centre, mouse=mouse, procedure=procedure, due_date=due,
                                           window_start=due, window_end=end, status=status))
        tests = self._insert(ScheduledTest, tests)
        experiments, values_of = [], []
        for test in tests:
            if test.status != ScheduledTest.Status.DONE:
                continue
            procedure = next(p for p in self.recorded if p.pk == test.procedure_id)
            on = test.due_date + timedelta(days=rng.randint(0, DEFAULT_WINDOW_DAYS - 1))
            experiments.append(Experiment(
                centre=self.centre, mouse=test.mouse, procedure=procedure, procedure_version=procedure.version,
                scheduled_test=test, date_of_experiment=on, sequence_id="1",
                experimenter=f"tech{rng.randint(1, 12):02d}",
            ))
            values_of.append(list(entered_values(procedure, self.parameters[procedure.pk], rng, on=on)))
        # Weekly body weights between the tests (IMPReSS allows repeats; `sequence_id` tells them apart).
        weight = next((p for p in self.recorded if p.key == "IMPC_BWT_001"), None)
        for mouse in pups if weight else ():
            for sequence, week in enumerate(WEIGHT_WEEKS, start=2):
                on = mouse.date_of_birth + timedelta(weeks=week, days=rng.randint(0, 4))
                if on >= self.today or (mouse.status_date and on > mouse.status_date):
                    break
                experiments.append(Experiment(
                    centre=self.centre, mouse=mouse, procedure=weight, procedure_version=weight.version,
                    date_of_experiment=on, sequence_id=str(sequence), experimenter=f"tech{rng.randint(1, 12):02d}",
                ))
                values_of.append(list(entered_values(weight, self.parameters[weight.pk], rng, on=on)))
        experiments = self._insert(Experiment, experiments)
        rows = []
        for experiment, values in zip(experiments, values_of):
            for parameter, increment, value in values:
                rows.append(ParameterValue(experiment=experiment, parameter=parameter, increment=increment,
                                           value=value, out_of_range=parameter.is_out_of_range(value)))
            if len(rows) >= self.batch * 5:
                self._insert(ParameterValue, rows)
                rows = []
        self._insert(ParameterValue, rows)

    def run(self) -> ScaleCounts:
        started = time.perf_counter()
        n_colonies = max(1, self.n // MICE_PER_COLONY)
        sizes = [self.n // n_colonies + (1 if i < self.n % n_colonies else 0) for i in range(n_colonies)]
        # Breeding cages (2 per colony) + weaning and stock cages (a group of ~4 mice each, twice).
        self._racks(n_colonies * 2 + self.n // 2 + 10)
        step = 20  # colonies per slice: about 1,000 mice, a few tens of thousands of rows
        number = 1
        for first in range(0, n_colonies, step):
            with transaction.atomic():
                colonies = self.production(first, min(step, n_colonies - first))
                slice_sizes = sizes[first:first + len(colonies)]
                pups = self.colonies(colonies, number, slice_sizes)
                number += sum(slice_sizes)
                if self.with_phenotyping:
                    self.phenotyping(pups)
            # With DEBUG on (development), Django keeps the last 9,000 statements with their text: a bulk insert
            # of 2,000 rows is a long statement, so the log alone grew the 100,000-mouse seed to 1.1 GB.
            reset_queries()
        # Fresh statistics, as after any bulk load: without them the planner takes the new tables for empty and
        # picks nested loops over thousands of rows (a colony's mice page took 0.5 s instead of milliseconds).
        tables = {model._meta.db_table for model in (
            Room, Rack, Plan, EsCell, MicroInjection, StatusStamp, Colony, Mouse, Cage, Mating, MatingFemale,
            CagePlacement, Litter, ScheduledTest, Experiment, ParameterValue)}
        with connection.cursor() as cursor:
            for table in sorted(tables):
                cursor.execute(f'ANALYZE "{table}"')
        self.result.seconds = time.perf_counter() - started
        return self.result


def seed_scale(*, mice: int, seed: int = 1, centre_code: str = "H", today: date | None = None,
               batch_size: int = BATCH, phenotyping: bool = True) -> ScaleCounts:
    """Write a centre of `mice` mice (see the module docstring) and return what was written, by model.

    `phenotyping=False` writes the production, breeding and housing only (no schedules, experiments or values):
    the colony-management side of a very large centre (the `api_mice` benchmark at 1,000,000 mice reads nothing
    else), in a fraction of the time.

    Refuses to run twice for the same seed (the names would collide): use another seed or a fresh database.
    """
    ensure_reference()
    centre = Centre.objects.get(code=centre_code)
    prefix = prefix_for(seed)
    if Colony.objects.filter(name__startswith=f"{prefix}-").exists():
        raise ValueError(f"Seed {seed} was already loaded (colonies named {prefix}-…); choose another --seed.")
    with audit_context(command="seed_scale", username="command:seed_scale", reason=f"scale data set, seed {seed}"):
        return _Seeder(mice=mice, seed=seed, centre=centre, today=today or date.today(), batch_size=batch_size,
                       phenotyping=phenotyping).run()


__all__ = [
    "RECORDED_PROCEDURES",
    "SEEDED_PARAMETERS",
    "ScaleCounts",
    "ensure_reference",
    "entered_values",
    "prefix_for",
    "seed_scale",
    "value_for",
]
