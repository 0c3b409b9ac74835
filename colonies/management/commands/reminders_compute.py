from datetime import date

from django.core.management import CommandError

from colonies.services.digest import reminder_digest_send
from colonies.services.reminders import reminders_compute
from lims.audit import AuditedCommand
from lims.models import Centre


class Command(AuditedCommand):
    help = ("Compute the colony reminders due on a day (default today) for one centre or all, and print what changed. "
            "The daily Celery beat job does the same and also sends the e-mail digests.")
    audit_reason = "Colony reminders computed"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to compute for, YYYY-MM-DD (default: today).")
        parser.add_argument("--centre", help="A centre code (default: every centre).")
        parser.add_argument("--send-digest", action="store_true",
                            help="Also e-mail the digests of centres that asked for one.")

    def handle(self, *args, **options):
        from colonies.selectors import colony_settings_for

        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        centres = Centre.objects.order_by("code")
        if options["centre"]:
            centres = centres.filter(code__iexact=options["centre"])
            if not centres.exists():
                raise CommandError(f"No centre with code {options['centre']!r}.")
        for centre in centres:
            summary = reminders_compute(centre=centre, today=today)
            if options["send_digest"] and colony_settings_for(centre).email_digest:
                summary.emails_sent = reminder_digest_send(centre=centre, today=summary.today)
            line = str(summary)
            if options["send_digest"]:
                line += f"; {summary.emails_sent} e-mail(s) sent"
            self.stdout.write(line)
