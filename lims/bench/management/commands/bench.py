import json
import os

from django.core.management.base import CommandError

from lims.audit import AuditedCommand
from lims.bench.benchmarks import BENCHMARKS, run_all, run_one


class Command(AuditedCommand):
    help = ("Run the issue-8 benchmarks (dcc_export, dcc_page, api_mice, worklist, excel_upload, enrol) against the bench data "
            "set of N mice (seeded on first use) and print one JSON line per benchmark.")
    audit_reason = "benchmarks"

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N") or 10_000),
                            help="Mice in the bench data set (default $BENCH_N, else 10,000).")
        parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="Run only these benchmarks.")
        # Internal: one benchmark in this process (run_all starts one process per benchmark).
        parser.add_argument("--one", choices=BENCHMARKS, help="Run one benchmark in this process.")
        parser.add_argument("--mice-count", type=int,
                            help="dcc_export: export the first K mice only; enrol: enrol K mice.")
        parser.add_argument("--no-limit", action="store_true", help="dcc_export: skip the lxml limit.")

    def handle(self, *args, n, only, one, mice_count, no_limit, **options):
        if n < 1:
            raise CommandError("--n must be at least 1.")
        if one:
            extra = {}
            if one == "dcc_export":
                extra = {"mice_count": mice_count, "with_limit": not no_limit}
            elif one == "enrol":
                extra = {"mice_count": mice_count}
            self.stdout.write(json.dumps(run_one(one, n, **extra), default=str))
            return
        run_all(n, tuple(only) if only else BENCHMARKS,
                write=lambda text: (self.stdout.write(text), self.stdout.flush()))
