import json
import os

from django.core.management.base import CommandError

from lims.audit import AuditedCommand
from lims.bench.benchmarks import bench_data, bench_user
from lims.bench.loadtest import free_port, run_load, start_gunicorn


class Command(AuditedCommand):
    help = ("Start gunicorn (2 workers) on a free loopback port against the bench data set and run a mixed load "
            "(80 % reads, 20 % writes) from this process; print p50/p95/p99 and error counts as JSON.")
    audit_reason = "load test"

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--threads", type=int, default=8, help="Client threads (default 8).")
        parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N") or 2000),
                            help="Mice in the bench data set to load against (seeded when missing).")

    def handle(self, *args, seconds, threads, n, **options):
        from colonies.models import Colony, Mouse

        centre, prefix = bench_data(n)
        _user, token = bench_user(centre)
        colonies = list(Colony.objects.filter(name__startswith=f"{prefix}-").values_list("name", flat=True)[:200])
        mice = Mouse.objects.filter(specimen_id__startswith=f"{prefix}-M")
        mouse_ids = list(mice.values_list("pk", flat=True)[:2000])
        if not colonies or not mouse_ids:
            raise CommandError("No bench data to load against.")
        port = free_port()
        server = start_gunicorn(port)
        try:
            summary = run_load(port=port, token=token, colonies=colonies, mouse_ids=mouse_ids, seconds=seconds,
                               threads=threads)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except Exception:  # noqa: BLE001
                server.kill()
        summary["n"] = n
        self.stdout.write(json.dumps(summary))
        if summary["server_errors"]:
            raise CommandError(f"{summary['server_errors']} responses were 5xx.")
