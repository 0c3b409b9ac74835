import json

from django.core.management.base import CommandError

from lims.audit import AuditedCommand
from lims.bench.scale import seed_scale


class Command(AuditedCommand):
    help = ("Write a deterministic centre of N mice over N/50 colonies (cages, matings, litters, production, "
            "schedules, ~30 parameter values per mouse) with bulk inserts; audit triggers stay on.")
    audit_reason = "scale data set"

    def add_arguments(self, parser):
        parser.add_argument("--mice", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--centre", default="H", help="ILAR code of the centre that owns the data (default H).")
        parser.add_argument("--no-phenotyping", action="store_true",
                            help="Production, breeding and housing only: no schedules, experiments or values.")

    def handle(self, *args, mice, seed, centre, no_phenotyping, **options):
        if mice < 1:
            raise CommandError("--mice must be at least 1.")
        try:
            result = seed_scale(mice=mice, seed=seed, centre_code=centre, phenotyping=not no_phenotyping)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({"mice": mice, "seed": seed, "seconds": round(result.seconds, 2),
                                      "rows": result.counts}))
