from django.conf import settings
from django.core.management import CommandError, call_command

from lims.audit import AuditedCommand
from lims.bench.demo import DEMO_USERS, demo_load, demo_password, demo_users_ensure


class Command(AuditedCommand):
    help = "Load the demo centre (Harwell, H), its lines and a user per role. Refused when DEBUG is off."
    audit_reason = "demo data load"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo refuses to run when DEBUG is off: demo users have a known password.")
        call_command("load_reference", stdout=self.stdout)
        demo_users_ensure(demo_password())
        counts = demo_load()
        self.stdout.write("Demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
        self.stdout.write("Demo users (password from LIMS_DEMO_PASSWORD): " + ", ".join(u for u, _, _ in DEMO_USERS))
