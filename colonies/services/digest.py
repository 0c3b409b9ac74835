"""The colony managers' e-mail digest: each manager's open reminders, sent by the daily run
(`colonies.services.reminders.reminders_compute_all`) for the centres whose settings ask for it."""
from collections import defaultdict
from datetime import date

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from colonies.models import Reminder
from lims.models import Centre, Role
from lims.scoping import centre_users


def reminder_digest_send(*, centre: Centre, today: date) -> int:
    """E-mail each colony manager of the centre (with an address) their open reminders; return how many mails left.

    "Theirs" is what the to-do page shows by default: assigned to them, or to nobody. A manager with nothing due
    gets no mail. Two queries whatever the number of managers.
    """
    managers = list(centre_users(centre).filter(role=Role.COLONY_MANAGER, is_active=True)
                    .exclude(email="").order_by("username"))
    if not managers:
        return 0
    open_reminders = list(
        Reminder.objects.filter(centre=centre, done_at__isnull=True, due_on__lte=today)
        .select_related("assigned_to").order_by("due_on", "kind", "pk")
    )
    by_user = defaultdict(list)
    unassigned = [r for r in open_reminders if r.assigned_to_id is None]
    for reminder in open_reminders:
        if reminder.assigned_to_id is not None:
            by_user[reminder.assigned_to_id].append(reminder)
    site = getattr(django_settings, "LIMS_SITE_URL", "").rstrip("/")
    todo_url = site + reverse("colonies:todo")
    messages = []
    for manager in managers:
        mine = sorted(by_user[manager.pk] + unassigned, key=lambda r: (r.due_on, r.kind, r.pk))
        if not mine:
            continue
        context = {"user": manager, "centre": centre, "today": today, "reminders": mine, "todo_url": todo_url,
                   "overdue": sum(1 for r in mine if r.due_on < today)}
        subject = " ".join(render_to_string("colonies/emails/reminder_digest_subject.txt", context).split())
        body = render_to_string("colonies/emails/reminder_digest.txt", context)
        messages.append(EmailMessage(subject=subject, body=body, to=[manager.email]))
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


__all__ = ["reminder_digest_send"]
