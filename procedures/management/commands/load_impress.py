from lims.audit import AuditedCommand
from procedures.impress import impress_load_file


class Command(AuditedCommand):
    help = "Load IMPReSS pipeline definitions from a JSON file in the format of ../shared/impress/impc_001.json."
    audit_reason = "IMPReSS load"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        counts = impress_load_file(options["file"])
        self.stdout.write(f"{counts['procedures']} procedures, {counts['parameters']} parameters")
