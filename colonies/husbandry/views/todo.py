"""The colony manager's to-do page: the reminders the daily run computed, ticked off with one click.

Reading is open to the whole centre (a read-only user sees the list without buttons); ticking off is a colony write
(`lims.roles`, area "colony"). Another centre's reminder is not in the queryset, so it is a 404.
"""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from colonies import tables
from colonies.husbandry.filters import ReminderFilterSet
from colonies.models import Reminder
from colonies.services import reminder_done, reminder_reopen
from lims.exceptions import Conflict
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import ScopedListView, WriteAccessMixin

# What the page shows with no query string: my open jobs (the "mine" by default, done ones hidden).
DEFAULTS = {"who": "mine", "state": "open"}


class TodoView(ScopedListView):
    """Open reminders of the user's centre, mine (or unassigned) by default, oldest due first, overdue marked."""

    model = Reminder
    filterset_class = ReminderFilterSet
    area = "colony"
    title = "To-do"
    paginate_by = 100
    template_name = "colonies/todo.html"
    select_related = ("litter", "mating", "mouse", "assigned_to", "done_by")
    columns = tables.TODO_COLUMNS

    def get_template_names(self) -> list[str]:
        return [self.template_name]

    def get_queryset(self):
        return super().get_queryset().order_by("due_on", "kind", "pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = self.request.GET.copy()
        for name, value in DEFAULTS.items():
            if not data.get(name):
                data[name] = value
        kwargs["data"] = data
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        reminders = list(context["object_list"])
        for reminder in reminders:
            reminder.subject = tables.reminder_subject(reminder)
            reminder.is_overdue = reminder.done_at is None and reminder.due_on < today
        data = self.filterset.form.data
        context.update(
            reminders=reminders, today=today, can_tick=can_write(self.request.user, self.area),
            who=data.get("who"), state=data.get("state"),
            # Over every page of the filtered list, not just this one.
            overdue_count=self.filterset.qs.filter(done_at__isnull=True, due_on__lt=today).count(),
            next_url=self.request.get_full_path(),
        )
        return context


class ReminderActionView(LoginRequiredMixin, WriteAccessMixin, View):
    """POST only: apply the view's service to one reminder of the user's centre, then go back to the list."""

    area = "colony"
    http_method_names = ["post"]
    service = None
    done_message = ""

    def post(self, request, pk: int):
        reminder = get_object_or_404(scope_for_user(Reminder.objects.all(), request.user), pk=pk)
        try:
            type(self).service(actor=request.user, reminder=reminder)
        except Conflict as exc:
            messages.info(request, exc.message)
        else:
            messages.success(request, self.done_message.format(title=reminder.title))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            target = reverse("colonies:todo")
        return redirect(target)


class ReminderDoneView(ReminderActionView):
    service = reminder_done
    done_message = "Done: {title}."


class ReminderReopenView(ReminderActionView):
    service = reminder_reopen
    done_message = "Back on the list: {title}."
