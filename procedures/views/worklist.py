"""The technician's worklist: what is due today (or by a day, or in a week), room by room and cage by cage."""
import itertools
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from colonies import search
from colonies.models import Cage
from lims.roles import can_write
from lims.scoping import scope_for_user
from lims.views import overdue_on
from procedures import selectors
from procedures.forms import WorklistDayForm
from procedures.models import ExperimentDraft, ScheduledTest
from procedures.views.worklist_rows import WorklistRows

WORKLIST_FILTERS = ("day", "period", "procedure", "room", "cage")


def worklist_query(params) -> str:
    """The worklist's filters found in `params` as a query string ("" for none), so a technician who records from a
    room's list of a given day comes back to that same list, not to today's whole centre."""
    kept = {key: params[key] for key in WORKLIST_FILTERS if params.get(key)}
    return f"?{urlencode(kept)}" if kept else ""


def worklist_url(params) -> str:
    return reverse("procedures:worklist") + worklist_query(params)


class WorklistView(LoginRequiredMixin, TemplateView):
    """What is due today (or by a chosen day, or in a week) in the user's centre, room by room and cage by cage.

    A technician walks a room rack by rack, so tests are grouped by the room and cage each mouse is in now (its open
    placement), with a Record button each; `room` and `procedure` narrow the list to one room or one station. A test
    is due from its due date and overdue once its window has closed (`lims.views.overdue_on`). The page prints as
    one table (the print stylesheet drops the chrome) and its rows stay big enough to tap on a tablet.
    """

    template_name = "procedures/worklist.html"

    def get(self, request, *args, **kwargs):
        """Today's list when nothing is chosen; a day, room or procedure it cannot show answers 400 saying why."""
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if context["form"].errors else 200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        form = WorklistDayForm(self.request.GET or None, user=user)
        chosen = form.cleaned_data if form.is_valid() else {}
        day = chosen.get("day") or today
        week = chosen.get("period") == "week"
        if week:
            # A week's plan: everything due by Sunday; overdue as of today, or as of Monday for a week to come.
            start = day - timedelta(days=day.weekday())
            last, overdue_day = start + timedelta(days=6), min(max(today, start), start + timedelta(days=6))
        else:
            start, last, overdue_day = None, day, day
        tests = (
            scope_for_user(selectors.worklist_tests(), user)
            .filter(status=ScheduledTest.Status.SCHEDULED, due_date__lte=last, mouse__voided_at__isnull=True)
            .annotate(is_overdue=ExpressionWrapper(overdue_on(overdue_day), output_field=BooleanField()),
                      has_draft=Exists(ExperimentDraft.objects.filter(scheduled_test=OuterRef("pk"))),
                      recordable=selectors.has_recordable_parameters("procedure"))
            .order_by("procedure__week", "procedure__key", "due_date", "mouse__specimen_id")
        )
        if chosen.get("procedure"):
            tests = tests.filter(procedure__key=chosen["procedure"])
        room, cage = chosen.get("room"), chosen.get("cage")
        if room is not None:
            tests = tests.filter(mouse__placements__ended_on__isnull=True, mouse__placements__cage__rack__room=room)
        if cage is not None:
            tests = tests.filter(mouse__placements__ended_on__isnull=True, mouse__placements__cage=cage)
        tests = selectors.worklist_rows(tests)
        # A test scheduled before its procedure lost its definition (or before one was loaded) cannot be recorded:
        # the row says why instead of opening an empty form.
        reasons: dict[int, str] = {}
        for test in tests:
            if not test.recordable and test.procedure_id not in reasons:
                reasons[test.procedure_id] = selectors.unrecordable_reason(test.procedure, [])
            test.unrecordable_reason = reasons.get(test.procedure_id, "")
        # The procedures on the list, for their Excel sheet and Upload buttons (one station works one procedure).
        # (procedure, its tests, why it cannot be recorded, the "tests=…&" query of its "Record for all due" link)
        procedures = []
        for procedure, rows in itertools.groupby(tests, key=lambda t: t.procedure):
            rows = list(rows)
            procedures.append((procedure, rows, reasons.get(procedure.pk, ""), "".join(f"tests={t.pk}&" for t in rows)))
        rooms = selectors.worklist_by_room(tests)
        day_query = worklist_query({"day": day.isoformat() if day != today else "", "period": "week" if week else "",
                                     "procedure": chosen.get("procedure", ""), "room": room.pk if room else "",
                                     "cage": cage.pk if cage else ""})
        rows = WorklistRows(can_record=can_write(user, "phenotyping"), day_query=day_query)
        for group in rooms:
            group.rows_html = rows.cages(group.cages)  # the table's rows, written without the template engine
        context.update(
            week=week, week_start=start, week_end=last if week else None, procedure_key=chosen.get("procedure", ""),
            form=form, day=day, is_today=day == today, rooms=rooms, procedures=procedures, room=room, cage=cage,
            day_query=day_query, total=len(tests), overdue_count=sum(t.is_overdue for t in tests),
            can_record=rows.can_record,
        )
        return context


def cage_record_action(*, cage: Cage, user) -> list[tuple[str, str]]:
    """The cage page's *Record due tests for these mice* (`colonies.hooks.CAGE_ACTIONS`): the worklist of this cage,
    offered to those who may record when any of its mice has a test due today or before (one query)."""
    if not can_write(user, "phenotyping") or not selectors.due_in_cage(cage, user, timezone.localdate()):
        return []
    return [("Record due tests for these mice", f"{reverse('procedures:worklist')}?cage={cage.pk}")]


class WorklistScanView(LoginRequiredMixin, View):
    """`?code=` what the worklist's Scan button read from a cage card's QR code: that cage's due tests.

    The browser only reads the code (static/js/scan.js); which cage it names, and whether it is one of the user's
    centre, is decided here (`colonies.search.cage_from_code`). A code naming no cage of the centre goes back to the
    worklist saying so: another centre's card finds nothing, as in the search box.
    """

    def get(self, request, *args, **kwargs):
        code = request.GET.get("code", "")
        cage = search.cage_from_code(request.user, code)
        if cage is None:
            messages.error(request, f"No cage of your centre has the code “{code.strip()[:80]}”. Scan the cage card again, "
                                    "or type the cage ID in the search box.")
            return HttpResponseRedirect(reverse("procedures:worklist"))
        return HttpResponseRedirect(f"{reverse('procedures:worklist')}?cage={cage.pk}")
