"""`manage.py dcc_report_import FILE… [--centre H]`: read the DCC's validation reports back onto the records.

Both tracker formats (`validationReportSet`, `validationSet`) are read; each file is XSD-validated first and
imported in a transaction of its own (whole or not at all: `procedures.dcc.validation_reports.services`). Prints,
per file, the messages stored, the records rejected, and every message that matched no record.

Exit status: 0 when every file was imported (or had been before); 1 when any file was refused (the reasons, with
their lines, are printed; the other files are imported all the same).
"""
from django.core.management.base import CommandError

from lims.audit import AuditedCommand
from lims.models import Centre
from procedures.dcc.validation_reports.services import report_import


class Command(AuditedCommand):
    help = ("Import DCC validation reports (validationReportSet or validationSet XML): store each message on its "
            "submission and record, mark rejected records for fixing, list messages that match no record.")
    audit_reason = "dcc.report.import"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--centre", default="", help="ILAR code of the importing centre (default: the centre "
                                                         "the report names); another centre's records are refused.")

    def handle(self, *args, files: list[str], centre: str, **options):
        centre_obj = None
        if centre:
            centre_obj = Centre.objects.filter(code__iexact=centre).first()
            if centre_obj is None:
                raise CommandError(f"Unknown centre {centre!r}.")
        results = report_import(files, actor=None, centre=centre_obj)
        refused = []
        for result in results:
            if result.refused:
                refused.append(result)
                self.stderr.write(f"{result.label}: refused, nothing imported:")
                for reason in result.refused:
                    self.stderr.write(f"  {result.label}:{reason}")
                continue
            if result.already_imported:
                self.stdout.write(f"{result.label}: already imported, nothing added.")
                continue
            self.stdout.write(f"{result.label}: {result.messages} message(s), {result.matched} matched to a record, "
                              f"{result.rejected_records} record(s) rejected by the DCC, "
                              f"{len(result.unmatched)} matching no record.")
            for message in result.unmatched:
                self.stdout.write(f"  no record: line {message.report_line}: {message.where}: {message.message}")
        if refused:
            raise CommandError(f"{len(refused)} of {len(results)} report(s) refused.")
