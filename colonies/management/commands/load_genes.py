from django.core.management import CommandError

from lims.audit import AuditedCommand
from lims.genes import GeneFileError, genes_load


class Command(AuditedCommand):
    help = "Load or update genes from MGI's tab-separated marker report (MRK_List2.rpt)."
    audit_reason = "MGI gene load"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            count = genes_load(options["file"])
        except (GeneFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} genes loaded")
