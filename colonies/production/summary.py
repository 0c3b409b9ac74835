"""Production reports: the IMPC production summary (domain-production.md §4), computed by the database.

iMits precomputed its summary into report caches by cron because it counted in Ruby. Here each table is one
aggregate query (GROUP BY consortium, centre, with one `COUNT(DISTINCT gene) FILTER (WHERE status = …)` per
status), so the page is always current and costs three queries whatever the number of attempts.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from colonies.models import AlleleModification, MicroInjection, PhenotypingAttempt
from lims.scoping import scope_for_user

# The consortium of a line: its attempt's plan, or, for a line made by Cre excision, the parent line's plan.
LINE_CONSORTIUM = Coalesce(
    "parent_colony__microinjection__plan__consortium__name",
    "parent_colony__allele_modification__parent_colony__microinjection__plan__consortium__name",
)


@dataclass(frozen=True)
class SummaryColumn:
    """One figure of a summary row: which table it counts, which status, and the list that shows its lines.

    `header` is the status's own label (exports, link labels); `short` is what the table shows under its group.
    """

    key: str
    header: str
    short: str
    group: str
    model: type
    status: str
    list_url_name: str


def _columns() -> list[SummaryColumn]:
    mi, am, pa = MicroInjection.Status, AlleleModification.Status, PhenotypingAttempt.Status
    specs = [
        ("Micro-injection", MicroInjection, "colonies:microinjection_list", [
            (mi.IN_PROGRESS, "In progress"), (mi.CHIMERAS_OBTAINED, "Chimeras obtained"),
            (mi.FOUNDER_OBTAINED, "Founder obtained"), (mi.GENOTYPE_CONFIRMED, "Genotype confirmed"),
            (mi.ABORTED, "Aborted")]),
        ("Allele modification", AlleleModification, "colonies:allelemodification_list", [
            (am.CRE_COMPLETE, "Cre excision complete")]),
        ("Phenotyping", PhenotypingAttempt, "colonies:phenotypingattempt_list", [
            (pa.STARTED, "Started"), (pa.COMPLETE, "Complete")]),
    ]
    prefixes = {MicroInjection: "mi", AlleleModification: "am", PhenotypingAttempt: "pa"}
    return [
        SummaryColumn(f"{prefixes[model]}_{status.value}", status.label, short, group, model, status.value, url_name)
        for group, model, url_name, statuses in specs
        for status, short in statuses
    ]


SUMMARY_COLUMNS = _columns()


@dataclass
class Figure:
    column: SummaryColumn
    value: int
    url: str
    share: float = 0.0  # of the column's largest figure, for the shading behind it


@dataclass
class SummaryRow:
    consortium: str
    centre: str
    centre_code: str
    genes: int  # distinct genes with any attempt, whatever its status
    figures: list[Figure] = field(default_factory=list)


@dataclass
class ProductionSummary:
    columns: list[SummaryColumn]
    rows: list[SummaryRow]

    def export_rows(self) -> Iterator[list]:
        for row in self.rows:
            yield [row.consortium, row.centre, row.genes, *(f.value for f in row.figures)]

    @property
    def export_headers(self) -> list[str]:
        return ["Consortium", "Centre", "Genes with an attempt", *(f"{c.group}: {c.header}" for c in self.columns)]

    @property
    def groups(self) -> list[tuple[str, int]]:
        """(group, number of columns) for the table's upper header row."""
        return [(group, len(list(columns))) for group, columns in groupby(self.columns, key=lambda c: c.group)]


def _counts(queryset: QuerySet, *, gene: str, consortium, columns: list[SummaryColumn]) -> QuerySet:
    """Distinct genes per (consortium, centre) at each status of `columns`: one GROUP BY query."""
    return (
        queryset.filter(voided_at__isnull=True)
        .annotate(summary_consortium=consortium)
        .values("summary_consortium", "centre__name", "centre__code")
        .annotate(
            genes=Count(gene, distinct=True),
            **{c.key: Count(gene, distinct=True, filter=Q(status=c.status)) for c in columns},
        )
        .order_by()
    )


def production_summary(user) -> ProductionSummary:
    """Count, per consortium × centre, the distinct genes at each production status (the user's centre only).

    A gene counts once per cell however many attempts it has there, as in the iMits production summary; a gene
    with two attempts at different statuses counts in both columns. Voided records are left out; aborted ones have
    their own column. Three queries: attempts, allele modifications, phenotyping attempts.
    """
    by_model = {model: [c for c in SUMMARY_COLUMNS if c.model is model]
                for model in (MicroInjection, AlleleModification, PhenotypingAttempt)}
    attempts = _counts(scope_for_user(MicroInjection.objects.all(), user), gene="plan__gene",
                       consortium=F("plan__consortium__name"), columns=by_model[MicroInjection])
    lines = [
        _counts(scope_for_user(AlleleModification.objects.all(), user), gene="parent_colony__gene",
                consortium=LINE_CONSORTIUM, columns=by_model[AlleleModification]),
        _counts(scope_for_user(PhenotypingAttempt.objects.all(), user), gene="parent_colony__gene",
                consortium=LINE_CONSORTIUM, columns=by_model[PhenotypingAttempt]),
    ]
    cells: dict[tuple[str, str, str], dict[str, int]] = {}
    for source in (attempts, *lines):
        for record in source:
            key = (record.pop("summary_consortium") or "", record.pop("centre__name"), record.pop("centre__code"))
            genes = record.pop("genes")
            row = cells.setdefault(key, {"genes": 0})
            if source is attempts:  # "genes with an attempt" counts attempts only
                row["genes"] = genes
            row.update(record)

    peaks = {c.key: max((row.get(c.key, 0) for row in cells.values()), default=0) for c in SUMMARY_COLUMNS}
    rows = []
    for (consortium, centre, code), counts in sorted(cells.items()):
        figures = []
        for column in SUMMARY_COLUMNS:
            value = counts.get(column.key, 0)
            query = {"consortium": consortium, "centre": code, "status": column.status}
            url = f"{reverse(column.list_url_name)}?{urlencode(query)}" if value else ""
            share = value / peaks[column.key] if peaks[column.key] else 0.0
            figures.append(Figure(column=column, value=value, url=url, share=share))
        rows.append(SummaryRow(consortium=consortium, centre=centre, centre_code=code, genes=counts["genes"],
                               figures=figures))
    return ProductionSummary(columns=SUMMARY_COLUMNS, rows=rows)


__all__ = ["SUMMARY_COLUMNS", "ProductionSummary", "production_summary"]
