from lims.audit import AuditedCommand
from lims.reference import REFERENCE_LOADERS, reference_load


class Command(AuditedCommand):
    help = ("Load centres, consortia, strains and genes, then each app's reference data (procedures: the IMPReSS "
            "IMPC_001 definition); idempotent.")
    audit_reason = "reference data load"

    def handle(self, *args, **options):
        counts = reference_load()
        for loader in REFERENCE_LOADERS:
            counts.update(loader())
        self.stdout.write(", ".join(f"{n} {k}" for k, n in counts.items()))
