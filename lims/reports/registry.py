"""The reports by URL name, with the sentence the index page shows for each."""
from lims.reports import breeding, dcc, phenotyping, production, qc

REPORTS = {
    "production": (production.build, "Production",
                   "Genes per consortium and centre at each status, by month, efficiency and languishing attempts."),
    "breeding": (breeding.build, "Breeding",
                 "Active matings, litters and weanings due, productivity per female, census and cage-days."),
    "phenotyping": (phenotyping.build, "Phenotyping",
                    "Tests per cohort and procedure, overdue tests, completeness and weekly throughput."),
    "dcc": (dcc.build, "DCC", "Experiments submitted and pending per procedure, deliveries and failures."),
    "qc": (qc.build, "Phenotype QC", "A colony's values of a parameter against baseline controls, outliers flagged."),
}
PARAMS = ("start", "end", "colony", "parameter", "pair")


def build_report(name: str, user, query) -> "object":
    """Build report `name` for `user` from the query string's known parameters."""
    build = REPORTS[name][0]
    return build(user, {key: query.get(key, "") for key in PARAMS})


__all__ = ["REPORTS", "build_report"]
