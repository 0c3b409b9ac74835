"""Phenotype QC view: one colony's values of one parameter against the baseline controls, outliers flagged.

The baseline of a mutant is the centre's baseline (wild-type control) mice of the same sex measured in the same date
range as the colony's mutants (from the first to the last mutant experiment). A value is flagged for review when
it lies outside the parameter's plausible range (`min_value`/`max_value`, or already flagged `out_of_range` when it
was entered), or, for a mutant, when it is more than three standard deviations from its sex's baseline mean (with at
least two baseline values and a non-zero spread). The mean and standard deviation are computed by PostgreSQL.
Only numeric values count: status codes and text are left out. A value stored out of range (its technician confirmed
it with "Save anyway", or a DCC file sent it) is marked apart, in the table's "Out of range" column and with a square
on the plot, so a reviewer sees which outliers someone has already vouched for.
"""
from __future__ import annotations

from django.db.models import Avg, Count, FloatField, Max, Min, StdDev
from django.db.models.functions import Cast
from django.urls import reverse

from lims.reports import charts
from lims.reports.base import Report, Table
from lims.scoping import scope_for_user
from procedures.models import Experiment, Parameter, ParameterValue

NUMBER = r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$"
Z_LIMIT = 3.0
NUMERIC_TYPES = ["FLOAT", "INT", "INTEGER"]


def numeric_values(user):
    """Numeric values of the user's centre's experiments (not voided), their mice not voided."""
    experiments = scope_for_user(Experiment.objects.filter(voided_at__isnull=True), user)
    return ParameterValue.objects.filter(experiment__in=experiments, experiment__mouse__voided_at__isnull=True,
                                         parameter__value_type__in=NUMERIC_TYPES, value__regex=NUMBER)


def choices(user) -> list[dict]:
    """(colony, parameter) pairs with mutant values, most values first: the form's options. One query."""
    return list(numeric_values(user).filter(experiment__mouse__colony__isnull=False,
                                            experiment__mouse__is_baseline=False)
                .values("experiment__mouse__colony__name", "parameter__key", "parameter__name")
                .annotate(n=Count("pk")).order_by("-n", "experiment__mouse__colony__name", "parameter__key")[:200])


def flag(value: float, *, parameter: Parameter | None, stored: bool, z: float | None) -> bool:
    if stored:
        return True
    if parameter is not None and parameter.is_out_of_range(str(value)):
        return True
    return z is not None and abs(z) > Z_LIMIT


def build(user, params: dict | None = None) -> Report:
    """The QC view for `params["colony"]` and `params["parameter"]` (default: the pair with most values)."""
    options = choices(user)
    colony, key = _pair(params or {}, options)
    parameter = Parameter.objects.select_related("procedure").filter(key=key).first() if key else None
    values = numeric_values(user).filter(parameter=parameter).annotate(number=Cast("value", FloatField()))
    mutants = list(values.filter(experiment__mouse__colony__name__iexact=colony, experiment__mouse__is_baseline=False)
                   .values(*_FIELDS, "number").order_by("experiment__date_of_experiment", "pk")) if parameter else []
    sexes = sorted({m["experiment__mouse__sex"] for m in mutants})
    stats, baseline_rows = _baseline(values, mutants, sexes)
    table, points = _values_table(parameter, stats, baseline_rows, mutants)
    baseline = Table("baseline", "Baseline controls", ["Sex", "n", "Mean", "SD", "Min", "Max"])
    for sex in sexes:
        s = stats.get(sex, {})
        baseline.add([sex, s.get("n", 0), _round(s.get("mean")), _round(s.get("sd")), s.get("low"), s.get("high")])
    name = f"{parameter.name} ({parameter.key})" if parameter else "no parameter"
    chart = charts.dotplot(f"{name} of {colony or 'no colony'} against baseline controls over time", points,
                           low=parameter.min_value if parameter else None,
                           high=parameter.max_value if parameter else None)
    return Report(name="qc", title="Phenotype QC", tables=[table, baseline], charts=[chart],
                  params={"colony": colony, "parameter": key}, summary={
                      "mutants": len(mutants), "controls": len(baseline_rows),
                      "flagged": sum(1 for p in points if p["flagged"]),
                      "confirmed_out_of_range": sum(1 for p in points if p["confirmed"]),
                      "options": [{"colony": o["experiment__mouse__colony__name"], "parameter": o["parameter__key"],
                                   "name": o["parameter__name"], "values": o["n"]} for o in options]})


_FIELDS = ("experiment_id", "experiment__date_of_experiment", "experiment__mouse__specimen_id",
           "experiment__mouse__sex", "out_of_range")


def _pair(params: dict, options: list[dict]) -> tuple[str, str]:
    """The (colony, parameter key) asked for: `colony` and `parameter`, or the page's one select `pair`
    ("colony|parameter"); what is missing comes from the pair with most values."""
    colony, key = params.get("colony") or "", params.get("parameter") or ""
    if params.get("pair") and "|" in params["pair"]:
        colony, key = params["pair"].split("|", 1)
    if (not colony or not key) and options:
        colony = colony or options[0]["experiment__mouse__colony__name"]
        key = key or next((o["parameter__key"] for o in options
                           if o["experiment__mouse__colony__name"] == colony), options[0]["parameter__key"])
    return colony, key


def _baseline(values, mutants: list[dict], sexes: list[str]) -> tuple[dict[str, dict], list[dict]]:
    """Statistics per sex of the baseline controls measured between the mutants' first and last dates, and their
    values (none without mutants)."""
    if not mutants:
        return {}, []
    first = min(m["experiment__date_of_experiment"] for m in mutants)
    last = max(m["experiment__date_of_experiment"] for m in mutants)
    controls = values.filter(experiment__mouse__is_baseline=True, experiment__mouse__sex__in=sexes,
                             experiment__date_of_experiment__range=(first, last))
    stats = {r["experiment__mouse__sex"]: r for r in controls.values("experiment__mouse__sex").annotate(
        n=Count("pk"), mean=Avg("number"), sd=StdDev("number", sample=True), low=Min("number"),
        high=Max("number")).order_by()}
    return stats, list(controls.values(*_FIELDS, "number").order_by("experiment__date_of_experiment", "pk"))


def _values_table(parameter, stats: dict, baseline_rows: list[dict], mutants: list[dict]) -> tuple[Table, list]:
    """Every control and mutant value with its baseline, z-score and flags, and the same values as chart points."""
    table = Table("values", "Values", ["Date", "Specimen", "Sex", "Group", "Value", "Baseline n", "Baseline mean",
                                       "Baseline SD", "z", "Out of range", "Flagged"])
    points = []
    for group, rows in (("control", baseline_rows), ("mutant", mutants)):
        for r in rows:
            s = stats.get(r["experiment__mouse__sex"], {})
            z = None
            if group == "mutant" and s.get("n", 0) >= 2 and s.get("sd"):
                z = round((r["number"] - s["mean"]) / s["sd"], 2)
            flagged = flag(r["number"], parameter=parameter, stored=r["out_of_range"], z=z)
            confirmed = bool(r["out_of_range"])
            table.add([r["experiment__date_of_experiment"], r["experiment__mouse__specimen_id"],
                       r["experiment__mouse__sex"], group, r["number"], s.get("n", 0),
                       _round(s.get("mean")), _round(s.get("sd")), z, "confirmed" if confirmed else "",
                       "yes" if flagged else ""],
                      ["", reverse("procedures:experiment_detail", args=[r["experiment_id"]]), "", "", "", "", "",
                       "", "", "", ""])
            label = (f"{r['experiment__mouse__specimen_id']} ({group}, {r['experiment__mouse__sex']}): "
                     f"{r['number']:g}" + (" (out of range, confirmed)" if confirmed else ""))
            points.append({"date": r["experiment__date_of_experiment"], "value": r["number"], "group": group,
                           "flagged": flagged, "confirmed": confirmed, "label": label})
    return table, points


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


__all__ = ["Z_LIMIT", "build", "choices", "numeric_values"]
