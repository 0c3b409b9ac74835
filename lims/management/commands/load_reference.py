from django.conf import settings

from lims.audit import AuditedCommand
from lims.reference import reference_load
from procedures.impress import impress_load_file
from procedures.ranges import impress_file_ranges_load


class Command(AuditedCommand):
    help = "Load centres, consortia, strains, genes and the IMPReSS IMPC_001 definition (idempotent)."
    audit_reason = "reference data load"

    def handle(self, *args, **options):
        counts = reference_load()
        counts.update(impress_load_file(settings.BASE_DIR / "fixtures" / "impress_impc_001.json"))
        counts.update(impress_file_ranges_load(settings.BASE_DIR / "fixtures" / "impress_impc_001.json").counts())
        self.stdout.write(", ".join(f"{n} {k}" for k, n in counts.items()))
