from lims.audit import AuditedCommand
from procedures.impress import impress_load_file
from procedures.ranges import impress_file_ranges_load


class Command(AuditedCommand):
    help = "Load IMPReSS pipeline definitions from a JSON file in the format of ../shared/impress/impc_001.json."
    audit_reason = "IMPReSS load"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        counts = impress_load_file(options["file"])
        ranges = impress_file_ranges_load(options["file"]).counts()
        self.stdout.write(f"{counts['procedures']} procedures, {counts['parameters']} parameters; "
                          + ", ".join(f"{n} {what}" for what, n in ranges.items()))
