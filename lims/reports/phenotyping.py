"""Phenotyping report: tests per cohort, colony and procedure, overdue tests, completeness, weekly throughput.

Definitions:
- a cohort is a colony's phenotyping attempt(s) (`PhenotypingAttempt.colony_name`, shown beside the colony); the
  tests themselves hang off the mice of the colony (baseline controls, with no colony, form their own row);
- *overdue*: a test still scheduled or missed whose window closed before today;
- *completeness* of a colony for a mandatory procedure: done / (tests not cancelled), the share of the mice
  scheduled for it that have it done; the heat map shows it per colony × mandatory procedure;
- *throughput*: experiments (not voided) per procedure per ISO week of their date, over [start, end].
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone

from colonies.models import PhenotypingAttempt
from lims.reports import charts
from lims.reports.base import Report, Table, ratio
from lims.reports.breeding import period
from lims.scoping import scope_for_user
from procedures.models import Experiment, ScheduledTest

S = ScheduledTest.Status
BASELINE = "Baseline controls"
COUNTED = [S.SCHEDULED, S.DONE, S.MISSED, S.NOT_PERFORMED]


def _url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in query.items() if v})}"


def build(user, params: dict | None = None) -> Report:
    """The phenotyping report of the user's centre. Three queries."""
    today = timezone.localdate()
    start, end = period(params, days=84)
    table, completeness, columns, totals = _tests_tables(user, today)
    throughput, bars = _throughput(user, start, end)
    heatmap = charts.heatmap("Completeness of the mandatory procedures per colony",
                             [row[0] for row in completeness.rows], columns, [row[1:] for row in completeness.rows])
    return Report(name="phenotyping", title="Phenotyping", tables=[table, completeness, throughput],
                  charts=[heatmap, bars], params={"start": start, "end": end, "today": today}, summary=totals, labels={
                      "scheduled": "Scheduled", "done": "Done", "missed": "Missed", "not_performed": "Not performed",
                      "overdue": "Overdue"})


def _tests_tables(user, today: dt.date) -> tuple[Table, Table, list[str], dict[str, int]]:
    """Tests per colony and procedure (each count linking to its tests), the completeness of the mandatory
    procedures per colony (its columns: the mandatory procedures the centre has scheduled), and the totals. Two
    queries."""
    tests = scope_for_user(ScheduledTest.objects.filter(mouse__voided_at__isnull=True), user)
    grouped = (tests.values("mouse__colony_id", "mouse__colony__name", "procedure__key", "procedure__name",
                            "procedure__is_mandatory")
               .annotate(**{status.value: Count("pk", filter=Q(status=status)) for status in COUNTED},
                         overdue=Count("pk", filter=Q(status__in=list(ScheduledTest.OPEN), window_end__lt=today)),
                         expected=Count("pk", filter=~Q(status=S.CANCELLED)))
               .order_by("mouse__colony__name", "procedure__key"))
    cohorts = dict(
        scope_for_user(PhenotypingAttempt.objects.filter(voided_at__isnull=True), user)
        .values("parent_colony_id").annotate(names=StringAgg("colony_name", ", ", order_by="colony_name"))
        .values_list("parent_colony_id", "names"))

    table = Table("tests", "Tests per colony and procedure", [
        "Cohort", "Colony", "Procedure", "Scheduled", "Done", "Missed", "Not performed", "Overdue", "Completeness"],
        note=f"Overdue: scheduled or missed with the window closed before {today}. "
             "Completeness: done / tests not cancelled.")
    heat: dict[str, dict[str, float | None]] = {}
    mandatory: set[str] = set()
    totals = dict.fromkeys(["scheduled", "done", "missed", "not_performed", "overdue"], 0)
    for r in grouped:
        colony = r["mouse__colony__name"] or BASELINE
        colony_filter = r["mouse__colony__name"] or None
        key = r["procedure__key"]
        completeness = ratio(r["done"], r["expected"])
        values = [cohorts.get(r["mouse__colony_id"], ""), colony, f"{r['procedure__name']} ({key})",
                  r["scheduled"], r["done"], r["missed"], r["not_performed"], r["overdue"], completeness]
        links = ["", "", ""]
        for status in ("scheduled", "done", "missed", "not_performed"):
            links.append(_url("procedures:scheduledtest_list", colony=colony_filter, procedure=key, status=status)
                         if r[status] and colony_filter else "")
        links += [_url("procedures:scheduledtest_list", colony=colony_filter, procedure=key, overdue="true")
                  if r["overdue"] and colony_filter else "", ""]
        table.add(values, links)
        for k in totals:
            totals[k] += r[k]
        if r["procedure__is_mandatory"]:
            mandatory.add(key)
            heat.setdefault(colony, {})[key] = completeness

    # The mandatory procedures the centre has scheduled: one column each (a colony without it shows grey).
    columns = sorted(mandatory)
    completeness = Table("completeness", "Completeness against the mandatory procedures", ["Colony", *columns])
    for colony in sorted(heat, key=lambda c: (c == BASELINE, c.casefold())):
        completeness.add([colony, *(heat[colony].get(key) for key in columns)])
    return table, completeness, columns, totals


def _throughput(user, start: dt.date, end: dt.date) -> tuple[Table, str]:
    """Experiments per procedure per week of the period, as a table (each count linking to its experiments) and as
    bars over every week of the period, empty weeks included. One query."""
    weekly = (scope_for_user(Experiment.objects.filter(voided_at__isnull=True), user)
              .filter(date_of_experiment__range=(start, end)).annotate(week=TruncWeek("date_of_experiment"))
              .values("week", "procedure__key").annotate(n=Count("pk")).order_by("week", "procedure__key"))
    throughput = Table("throughput", "Experiments per procedure per week", ["Week", "Procedure", "Experiments"],
                       note=f"Experiments dated {start} to {end}.")
    series: dict[str, dict[dt.date, int]] = {}
    for r in weekly:
        week = r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]
        throughput.add([week, r["procedure__key"], r["n"]],
                       ["", "", _url("procedures:experiment_list", procedure=r["procedure__key"],
                                     date_after=week.isoformat(),
                                     date_before=(week + dt.timedelta(days=6)).isoformat())])
        series.setdefault(r["procedure__key"], {})[week] = r["n"]
    first_week = start - dt.timedelta(days=start.weekday())
    week_axis = [first_week + dt.timedelta(weeks=i) for i in range((end - first_week).days // 7 + 1)]
    bars = charts.bars("Experiments per week", "throughput", [f"{w:%d %b}" for w in week_axis],
                       [(key, [by_week.get(w, 0) for w in week_axis]) for key, by_week in sorted(series.items())])
    return throughput, bars


__all__ = ["build"]
