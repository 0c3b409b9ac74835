"""`manage.py dcc_import FILE...`: bring a centre's historical DCC files (specimen and experiment XML, or the
DCC zips) into the LIMS through its services, and list everything that could not be mapped.

Exit status is non-zero when anything was refused or left out, so a migration script notices; `--dry-run` does
the whole import and rolls it back, to see the report first.
"""
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError

from lims.audit import AuditedCommand
from lims.models import Centre, Role
from procedures.dcc.importer import import_files

#: The account imported records are attributed to when no --user is given: inactive, it cannot log in.
SERVICE_USERNAME = "dcc-import"


def service_user(centre: Centre | None = None):
    """The inactive account of the importer (the services need a user to record `recorded_by` and audit).

    One per centre ("dcc-import-h"), a data wrangler of that centre and nothing more: never a superuser, so an
    import can only write where a person of that centre could. Without --centre the account has no centre, and
    records that need one (line-level experiments) are reported instead of written.
    """
    username = f"{SERVICE_USERNAME}-{centre.code.lower()}" if centre else SERVICE_USERNAME
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"is_active": False, "is_superuser": False, "role": Role.DATA_WRANGLER, "centre": centre,
                  "password": make_password(None), "first_name": "DCC import"},
    )
    return user


class Command(AuditedCommand):
    help = ("Import DCC specimen/experiment files (.xml or .zip): create or match colonies, mice and experiments, "
            "print created/matched/skipped counts and every unmapped item with file:line and reason.")
    audit_reason = "dcc.import"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--centre", default="", help="ILAR code to use instead of every file's centreID.")
        parser.add_argument("--dry-run", action="store_true", help="Import, report, and roll everything back.")
        parser.add_argument("--create-colonies", action="store_true",
                            help="Create a colony for an unknown colonyID when the specimen gives its gene and strain.")
        parser.add_argument("--create-strains", action="store_true",
                            help="Register a strain for an unknown strainID (an MGI id, or a legacy strain name).")
        parser.add_argument("--user", default="", help="Username the records are attributed to (default: "
                                                       f"the inactive {SERVICE_USERNAME!r} account).")
        parser.add_argument("--line-date", type=date.fromisoformat, default=None,
                            help="Date (YYYY-MM-DD) for line-level procedures, which carry none in the XML "
                                 "(default: the day of the import, with a warning).")
        parser.add_argument("--create-parameters", action="store_true",
                            help="Register a pipeline, procedure or parameter the IMPReSS reference lacks (flagged "
                                 "as imported, never scheduled) so that its values are kept.")

    def handle(self, *args, files, centre, dry_run, create_colonies, user, line_date, create_strains, create_parameters,
               **options):
        centre_obj = None
        if centre:
            centre_obj = Centre.objects.filter(code__iexact=centre).first()
            if centre_obj is None:
                raise CommandError(f"Unknown centre {centre!r}.")
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"Unknown user {user!r}.")
        else:
            actor = service_user(centre_obj)
        report = import_files(files, actor=actor, centre=centre_obj, create_colonies=create_colonies,
                              dry_run=dry_run, line_date=line_date, create_strains=create_strains,
                              create_parameters=create_parameters)
        for line in report.summary_lines():
            self.stdout.write(line)
        for name in report.refused_files:
            self.stdout.write(f"refused: {name}")
        for problem in report.problems:
            self.stdout.write(str(problem))
        if dry_run:
            self.stdout.write("dry run: nothing was saved.")
        if not report.ok:
            raise CommandError(f"{len(report.problems) - len(report.warnings)} item(s) could not be imported"
                               + (f", {len(report.refused_files)} file(s) refused." if report.refused_files else "."))
