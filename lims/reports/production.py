"""Production report: distinct genes per consortium × centre at each status, by month, efficiency and languishing.

The status table reuses `colonies.production.summary.production_summary` (three GROUP BY queries, the page
`colonies:production_summary` keeps working) and adds the genes with a plan. The monthly table counts StatusStamp
rows (the date each line first reached a status) with TruncMonth; efficiency and languishing lines are one GROUP BY
query each over the attempts. Every figure links to the list page of the lines behind it, through the filters of
`colonies.production.filters` (`reached=<status>:<YYYY-MM>` and `idle=<from>-<to>` months, defined with the stage
table in `colonies.selectors`).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone

from colonies.models import AlleleModification, MicroInjection, PhenotypingAttempt, Plan, StatusStamp
from colonies.production.summary import production_summary
from colonies.selectors import IDLE_BANDS, OPEN_MI, STAGES, filter_idle, filter_reached, last_activity, months_ago
from lims.reports import charts
from lims.reports.base import Report, Table, ratio
from lims.scoping import scope_for_user

MI = MicroInjection.Status
EFFICIENCY_MONTHS = 6


def _url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in query.items() if v is not None})}"


def build(user, params: dict | None = None) -> Report:
    """The production report of the user's centre (every centre for a superuser). Seven queries."""
    today = timezone.localdate()
    status, totals = _status_table(user)
    attempts = scope_for_user(MicroInjection.objects.filter(voided_at__isnull=True), user)
    funnel = charts.funnel("Production funnel: distinct genes at each status",
                           [("Plans", totals["plans"], reverse("colonies:plan_list"))]
                           + [(label, totals[key], _url(url_name, status=code))
                              for key, label, _, code, url_name in STAGES])
    return Report(name="production", title="Production",
                  tables=[status, _by_month_table(user), _efficiency_table(attempts, today),
                          _languishing_table(attempts, today)],
                  charts=[funnel], params={"today": today}, summary=totals,
                  labels={"plans": "Genes with a plan", **{key: label for key, label, *_ in STAGES}})


def _status_table(user) -> tuple[Table, dict[str, int]]:
    """Genes by consortium × centre at each current status, with the genes that have a plan; and the totals of each
    column (the funnel and the headline figures). Four queries."""
    summary = production_summary(user)  # 3 queries
    plans = (scope_for_user(Plan.objects.filter(voided_at__isnull=True), user)
             .values("consortium__name", "centre__name", "centre__code")
             .annotate(genes=Count("gene", distinct=True)).order_by())
    plan_genes = {(r["consortium__name"], r["centre__code"]): (r["centre__name"], r["genes"]) for r in plans}

    status_keys = [key for key, *_ in STAGES]
    status = Table("status", "Genes by status", ["Consortium", "Centre", "Plans", *(label for _, label, *_ in STAGES)],
                   note="Distinct genes per consortium and centre at each current status.")
    summary_rows = {(row.consortium, row.centre_code): row for row in summary.rows}
    totals = dict.fromkeys(["plans", *status_keys], 0)
    for consortium, code in sorted(set(summary_rows) | set(plan_genes)):
        row = summary_rows.get((consortium, code))
        figures = {f.column.key: f for f in row.figures} if row else {}
        centre_name = row.centre if row else plan_genes[(consortium, code)][0]
        n_plans = plan_genes.get((consortium, code), ("", 0))[1]
        values, links = [consortium, centre_name, n_plans], ["", "", _url("colonies:plan_list", consortium=consortium,
                                                                           centre=code) if n_plans else ""]
        totals["plans"] += n_plans
        for key in status_keys:
            figure = figures.get(key)
            values.append(figure.value if figure else 0)
            links.append(figure.url if figure else "")
            totals[key] += figure.value if figure else 0
        status.add(values, links)
    return status, totals


#: A stamp's attempt, whichever of the three machines it belongs to: its centre, gene and consortium.
_STAMP_CENTRE = Coalesce("microinjection__centre__code", "allele_modification__centre__code",
                         "phenotyping_attempt__centre__code")
_STAMP_CENTRE_NAME = Coalesce("microinjection__centre__name", "allele_modification__centre__name",
                              "phenotyping_attempt__centre__name")
_STAMP_GENE = Coalesce("microinjection__plan__gene", "allele_modification__parent_colony__gene",
                       "phenotyping_attempt__parent_colony__gene")
_STAMP_CONSORTIUM = Coalesce("microinjection__plan__consortium__name",
                             "allele_modification__parent_colony__microinjection__plan__consortium__name",
                             "phenotyping_attempt__parent_colony__microinjection__plan__consortium__name",
                             "phenotyping_attempt__parent_colony__allele_modification__parent_colony__microinjection"
                             "__plan__consortium__name")
_STAMP_LINK = {MicroInjection: "microinjection", AlleleModification: "allele_modification",
               PhenotypingAttempt: "phenotyping_attempt"}


def _by_month_table(user) -> Table:
    """Distinct genes reaching each status per month, from the status stamps of attempts not voided (one query)."""
    stage_q = {key: Q(status=code, **{f"{_STAMP_LINK[model]}__isnull": False}) for key, _, model, code, _ in STAGES}
    stamps = scope_for_user(StatusStamp.objects.all(), user).filter(
        Q(microinjection__voided_at__isnull=True, microinjection__isnull=False)
        | Q(allele_modification__voided_at__isnull=True, allele_modification__isnull=False)
        | Q(phenotyping_attempt__voided_at__isnull=True, phenotyping_attempt__isnull=False))
    monthly = (stamps.annotate(month=TruncMonth("reached_on"), s_centre=_STAMP_CENTRE,
                               s_centre_name=_STAMP_CENTRE_NAME, s_gene=_STAMP_GENE, s_consortium=_STAMP_CONSORTIUM)
               .values("month", "s_consortium", "s_centre", "s_centre_name")
               .annotate(**{key: Count("s_gene", distinct=True, filter=q) for key, q in stage_q.items()})
               .order_by("-month", "s_consortium", "s_centre"))
    by_month = Table("by_month", "Genes by month", ["Month", "Consortium", "Centre",
                                                    *(label for _, label, *_ in STAGES)],
                     note="Distinct genes that first reached each status in the month (from the status dates).")
    for record in monthly:
        if not any(record[key] for key in stage_q):
            continue
        month = record["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        values = [month.strftime("%Y-%m"), record["s_consortium"] or "", record["s_centre_name"]]
        links = ["", "", ""]
        for key, _, model, code, url_name in STAGES:
            values.append(record[key])
            links.append(_url(url_name, consortium=record["s_consortium"] if model is MicroInjection else None,
                              centre=record["s_centre"], reached=f"{code}:{month:%Y-%m}") if record[key] else "")
        by_month.add(values, links)
    return by_month


def _efficiency_table(attempts: QuerySet, today: dt.date) -> Table:
    """Attempts injected more than six months ago, and the share of them that reached genotype confirmed."""
    cutoff = months_ago(today, EFFICIENCY_MONTHS)
    old = (attempts.filter(mi_date__lte=cutoff).values("plan__consortium__name", "centre__name", "centre__code")
           .annotate(total=Count("pk"), confirmed=Count("pk", filter=Q(status=MI.GENOTYPE_CONFIRMED)))
           .order_by("plan__consortium__name", "centre__code"))
    efficiency = Table("efficiency", "Efficiency", ["Consortium", "Centre", "Attempts older than six months",
                                                    "Genotype confirmed", "Efficiency"],
                       note=f"Attempts injected on or before {cutoff}; efficiency = confirmed / attempts.")
    for r in old:
        base = {"consortium": r["plan__consortium__name"], "centre": r["centre__code"],
                "mi_date_before": cutoff.isoformat()}
        efficiency.add([r["plan__consortium__name"], r["centre__name"], r["total"], r["confirmed"],
                        ratio(r["confirmed"], r["total"])],
                       ["", "", _url("colonies:microinjection_list", **base),
                        _url("colonies:microinjection_list", **base, status=MI.GENOTYPE_CONFIRMED)
                        if r["confirmed"] else "", ""])
    return efficiency


def _languishing_table(attempts: QuerySet, today: dt.date) -> Table:
    """Open attempts by months since their last status (one query, the bands as FILTERed counts)."""
    bands = {}
    for low, high in IDLE_BANDS:
        q = Q(last__lte=months_ago(today, low))
        if high is not None:
            q &= Q(last__gt=months_ago(today, high))
        bands[f"idle_{low}"] = Count("pk", filter=q)
    idle = (attempts.filter(status__in=OPEN_MI).annotate(last=last_activity())
            .values("plan__consortium__name", "centre__name", "centre__code").annotate(**bands)
            .order_by("plan__consortium__name", "centre__code"))
    band_labels = [f"{low}–{high} months" if high else f"{low}+ months" for low, high in IDLE_BANDS]
    languishing = Table("languishing", "Languishing attempts", ["Consortium", "Centre", *band_labels],
                        note="Open micro-injection attempts by months since their last status change.")
    for r in idle:
        values, links = [r["plan__consortium__name"], r["centre__name"]], ["", ""]
        for low, high in IDLE_BANDS:
            n = r[f"idle_{low}"]
            values.append(n)
            links.append(_url("colonies:microinjection_list", consortium=r["plan__consortium__name"],
                              centre=r["centre__code"], idle=f"{low}-{high or ''}") if n else "")
        languishing.add(values, links)
    return languishing


__all__ = ["STAGES", "build", "filter_idle", "filter_reached", "last_activity", "months_ago"]
