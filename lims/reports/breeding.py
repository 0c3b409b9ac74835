"""Breeding report: active matings, litters and weanings due, productivity per female, census and cage-days.

Definitions (checkable by hand):
- *active mating*: not voided, not ended;
- *litter due*: an active mating set up at least the centre's `gestation_min_days` ago that has no litter yet;
- *weaning due*: a live, unweaned litter whose wean target (`born_on + wean_target_days`) falls within the next
  seven days or has passed;
- *productivity* over the period [start, end]: litters born and pups weaned (the `alive_count` of litters weaned in
  the period) per female-month, a female-month being 30.44 days of a female in a mating (`joined_on` to `left_on`,
  or the mating's end, clipped to the period, both ends included);
- census and cage-days are `colonies.husbandry.census` (the census on `end`, cage-days over the period).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncWeek
from django.urls import reverse
from django.utils import timezone

from colonies.husbandry.census import cage_days, census
from colonies.models import Litter, Mating, MatingFemale
from colonies.selectors import colony_settings_for
from lims.dates import query_date
from lims.reports import charts
from lims.reports.base import Report, Table, ratio
from lims.scoping import scope_for_user

NO_COLONY = "No colony"
DAYS_PER_MONTH = 30.44
DUE_AHEAD_DAYS = 7


def period(params: dict | None, *, days: int = 90) -> tuple[dt.date, dt.date]:
    """`start`/`end` from the query (ISO dates); by default the last `days` days up to today.

    Raises:
        ValidationError: keyed by `start` or `end`: not a date, or outside the range a query may name (`lims.dates`).
    """
    today = timezone.localdate()
    end = query_date(params, "end", today)
    start = query_date(params, "start", end - dt.timedelta(days=days - 1))
    return (start, end) if start <= end else (end, start)


def _url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


def build(user, params: dict | None = None) -> Report:
    """The breeding report of the user's centre. Eight queries (settings, four groupings, census, cage-days)."""
    start, end = period(params)
    matings = scope_for_user(Mating.objects.filter(voided_at__isnull=True), user)
    litters = scope_for_user(Litter.objects.filter(voided_at__isnull=True), user)
    table, totals = _matings_table(user, matings, litters, start, end)
    weeks = _weeks_table(litters, start, end)
    on_day = census(user, day=end)
    census_table = Table("census", f"Census on {end}", on_day.export_headers())
    for row in on_day.export_rows():
        census_table.add(list(row))
    days = cage_days(user, start=start, end=end)
    days_table = Table("cage_days", "Cage-days", days.export_headers())
    for row in days.export_rows():
        days_table.add(list(row))

    chart = charts.bars("Litters born per week", "throughput", [f"{r[0]:%d %b}" for r in weeks.rows],
                        [("Litters", [r[1] for r in weeks.rows])])
    summary = {"active_matings": totals["active"], "litters_due": totals["litter_due"],
               "weanings_due": totals["wean_due"], "mice": on_day.total.mice, "cages": on_day.total.cages,
               "cage_days": days.total.cage_days}
    return Report(name="breeding", title="Breeding", tables=[table, weeks, census_table, days_table], charts=[chart],
                  params={"start": start, "end": end}, summary=summary, labels={
                      "active_matings": "Active matings", "litters_due": "Litters due", "weanings_due": "Weanings due",
                      "mice": f"Mice on {end}", "cages": f"Open cages on {end}", "cage_days": "Cage-days"})


def _colony_figures(user, matings, litters, start: dt.date, end: dt.date) -> tuple[dict[str, dict], dt.date]:
    """Per colony name: active matings, litters and weanings due, litters born, pups weaned and female-days (three
    GROUP BY queries and the settings); and the birth date by which a litter's weaning is due."""
    today = timezone.localdate()
    settings = colony_settings_for(getattr(user, "centre_id", None))
    has_litter = Litter.objects.filter(mating=OuterRef("pk"), voided_at__isnull=True)
    gestation_done = today - dt.timedelta(days=settings.gestation_min_days)
    by_mating = (matings.values("colony__name")
                 .annotate(active=Count("pk", filter=Q(ended_on__isnull=True)),
                           litter_due=Count("pk", filter=Q(ended_on__isnull=True, set_up_on__lte=gestation_done)
                                            & ~Q(Exists(has_litter))))
                 .order_by())
    wean_by = today + dt.timedelta(days=DUE_AHEAD_DAYS) - dt.timedelta(days=settings.wean_target_days)
    by_litter = (litters.values("mating__colony__name")
                 .annotate(wean_due=Count("pk", filter=Q(weaned_on__isnull=True, alive_count__gt=0,
                                                         born_on__lte=wean_by)),
                           born=Count("pk", filter=Q(born_on__range=(start, end))),
                           weaned_pups=Coalesce(Sum("alive_count", filter=Q(weaned_on__range=(start, end))), 0))
                 .order_by())
    first = Greatest("joined_on", Value(start, output_field=DateField()))
    last = Least(Coalesce("left_on", "mating__ended_on", Value(end, output_field=DateField())),
                 Value(end, output_field=DateField()))
    by_female = (MatingFemale.objects.filter(mating__in=matings, joined_on__lte=end).annotate(first=first, last=last)
                 .filter(last__gte=F("first")).values("mating__colony__name")
                 .annotate(span=Sum(F("last") - F("first")), n=Count("pk")).order_by())

    rows: dict[str, dict] = {}
    for record in by_mating:
        rows.setdefault(record["colony__name"] or NO_COLONY, {}).update(active=record["active"],
                                                                      litter_due=record["litter_due"])
    for record in by_litter:
        rows.setdefault(record["mating__colony__name"] or NO_COLONY, {}).update(
            wean_due=record["wean_due"], born=record["born"], weaned_pups=record["weaned_pups"])
    for record in by_female:
        days = (record["span"].days if record["span"] is not None else 0) + record["n"]
        rows.setdefault(record["mating__colony__name"] or NO_COLONY, {})["female_days"] = days
    return rows, wean_by


def _matings_table(user, matings, litters, start: dt.date, end: dt.date) -> tuple[Table, dict[str, int]]:
    """One row per colony and a total row; each due or born figure links to the matings or litters behind it."""
    rows, wean_by = _colony_figures(user, matings, litters, start, end)
    table = Table("matings", "Matings and litters", [
        "Colony", "Active matings", "Litters due", "Weanings due", "Litters born", "Pups weaned", "Female-months",
        "Litters per female per month", "Pups weaned per female per month"],
        note=f"Litters and weanings due as of {timezone.localdate()}; productivity from {start} to {end}.")
    totals = dict.fromkeys(["active", "litter_due", "wean_due", "born", "weaned_pups", "female_days"], 0)
    for colony in sorted(rows, key=lambda c: (c == NO_COLONY, c.casefold())):
        r = {key: rows[colony].get(key, 0) for key in totals}
        for key in totals:
            totals[key] += r[key]
        months = round(r["female_days"] / DAYS_PER_MONTH, 2)
        named = colony != NO_COLONY
        table.add(
            [colony, r["active"], r["litter_due"], r["wean_due"], r["born"], r["weaned_pups"], months,
             ratio(r["born"], months), ratio(r["weaned_pups"], months)],
            ["", _url("colonies:mating_list", colony=colony, is_active="true") if named and r["active"] else "",
             "", _url("colonies:litter_list", colony=colony, is_weaned="false", born_before=wean_by.isoformat())
             if named and r["wean_due"] else "",
             _url("colonies:litter_list", colony=colony, born_after=start.isoformat(), born_before=end.isoformat())
             if named and r["born"] else "", "", "", "", ""])
    months = round(totals["female_days"] / DAYS_PER_MONTH, 2)
    table.add(["All colonies", totals["active"], totals["litter_due"], totals["wean_due"], totals["born"],
               totals["weaned_pups"], months, ratio(totals["born"], months), ratio(totals["weaned_pups"], months)])
    return table, totals


def _weeks_table(litters, start: dt.date, end: dt.date) -> Table:
    """Litters born per week of the period, and their pups alive at birth (one query)."""
    weekly = (litters.filter(born_on__range=(start, end)).annotate(week=TruncWeek("born_on"))
              .values("week").annotate(n=Count("pk"), pups=Coalesce(Sum("alive_count"), 0)).order_by("week"))
    weeks = Table("litters_by_week", "Litters born per week", ["Week", "Litters", "Pups alive at birth"])
    for record in weekly:
        week = record["week"].date() if isinstance(record["week"], dt.datetime) else record["week"]
        weeks.add([week, record["n"], record["pups"]])
    return weeks


__all__ = ["build", "period"]
