"""`manage.py dcc_validate FILE...`: check DCC files as the DCC would, before sending (or importing) them.

First the XSD (§5.1), with line numbers; then, for a file that passes it, the local semantic rules of §5.2
(`procedures.dcc.local_rules`). A `.zip` is checked entry by entry, like the crawler unpacks it. Exit status 0
only when every file is clean, so the command can gate a script.
"""
from django.core.management.base import BaseCommand, CommandError

from procedures.dcc.importer import documents
from procedures.dcc.local_rules import iter_findings
from procedures.dcc.validation import validate_xml


def validate_document(path) -> list[str]:
    """Return the problems of one XML document as "line N: message" (XSD errors, else local-rule findings)."""
    errors = validate_xml(path)
    if errors:
        return [f"{error} [XSD]" for error in errors]
    return [str(finding) for finding in iter_findings(path)]


class Command(BaseCommand):
    help = "Validate DCC specimen/experiment files (.xml or .zip) against the XSDs and the local DCC rules."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        bad = 0
        with documents(files) as docs:
            if not docs:
                raise CommandError("No XML document found in the files given.")
            for doc in docs:
                if doc.refused:
                    bad += 1
                    self.stdout.write(f"{doc.label}:line 0: {doc.refused}")
                    continue
                try:
                    problems = validate_document(doc.path)
                except OSError as exc:
                    problems = [f"line 0: cannot read the file: {exc}"]
                if problems:
                    bad += 1
                    for problem in problems:
                        self.stdout.write(f"{doc.label}:{problem}")
                else:
                    self.stdout.write(f"{doc.label}: OK")
        if bad:
            raise CommandError(f"{bad} of {len(docs)} document(s) have errors.")
