"""What the production pages add to the generic views: a status timeline drawn from the stamps, warnings to confirm
before saving (iMits warns, it never refuses) and an Abort action that asks why."""
import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.views.generic import FormView
from django.views.generic.detail import SingleObjectMixin

from colonies.models import MicroInjection
from colonies.production.forms import AbortForm
from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.roles import can_write
from lims.views import STATUS_TONES, ScopedQuerysetMixin, WriteAccessMixin


@dataclass
class Step:
    """One step of a status timeline: reached (with its date), current, still ahead, or the abort."""

    label: str
    code: str
    reached_on: dt.date | None
    state: str  # done | current | next | aborted


def status_path(record) -> list[str]:
    """The forward statuses of a record's machine, in order (the abort is drawn only when it happens)."""
    if isinstance(record, MicroInjection):
        S = MicroInjection.Status
        middle = S.FOUNDER_OBTAINED if record.kind == MicroInjection.Kind.CRISPR else S.CHIMERAS_OBTAINED
        return [S.IN_PROGRESS, middle, S.GENOTYPE_CONFIRMED]
    return [status for status in type(record).Status if status != type(record).Status.ABORTED]


def status_timeline(record) -> list[Step]:
    """The record's stamps oldest first, then the statuses still ahead (none once aborted).

    Stamps are read through `record.stamps.all()`, so a prefetch serves them. Ties on a day keep the machine's
    order, since several statuses can be reached by one save.
    """
    Status = type(record).Status
    path = status_path(record)
    order = {code: index for index, code in enumerate(path)}
    stamps = sorted(record.stamps.all(), key=lambda s: (s.reached_on, order.get(s.status, len(path))))
    aborted = record.status == Status.ABORTED
    steps = []
    for stamp in stamps:
        label = Status(stamp.status).label if stamp.status in Status.values else stamp.status
        state = ("aborted" if stamp.status == Status.ABORTED else "current" if stamp.status == record.status
                 else "done")
        steps.append(Step(label=label, code=stamp.status, reached_on=stamp.reached_on, state=state))
    if not aborted:
        reached = {stamp.status for stamp in stamps}
        steps += [Step(label=Status(code).label, code=code, reached_on=None, state="next")
                  for code in path if code not in reached]
    return steps


class TimelineMixin:
    """Detail pages of records with derived statuses: the timeline, and Abort for writers while active."""

    template_name = "colonies/record_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context["timeline"] = status_timeline(obj)
        context["status_tone"] = STATUS_TONES.get(obj.status, "muted")
        may_abort = obj.is_active and not obj.is_voided and can_write(self.request.user, self.area)
        context["abort_url"] = self.url_for("abort", obj.pk) if may_abort else ""
        return context


class ConfirmWarningsMixin:
    """Save only once the person has seen the warnings: the first post re-renders the form with them and a
    "Save anyway" box (`confirm_warnings`); a post with the box ticked saves. The form's own errors come before
    any warning; the service's checks run on the confirmed save, like any other."""

    def get_warnings(self, form) -> list[str]:
        raise NotImplementedError

    def form_valid(self, form):
        warnings = self.get_warnings(form)
        if warnings and not form.cleaned_data.get("confirm_warnings"):
            return self.render_to_response(self.get_context_data(form=form, warnings=warnings))
        return super().form_valid(form)


class AbortView(LoginRequiredMixin, WriteAccessMixin, ScopedQuerysetMixin, SingleObjectMixin, FormView):
    """Abort a production record with a reason through its service (`…_abort(instance, actor, reason)`).

    The reason is the audit event's "why", so the History tab shows it beside the status change. Another centre's
    record is a 404, like every other page; an already aborted one sends the person back to it.
    """

    form_class = AbortForm
    template_name = "colonies/abort_form.html"
    template_kind = "_abort"
    service = None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.object.is_active:
            messages.info(request, f"{self.object} is already aborted.")
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            type(self).service(instance=self.object, actor=self.request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, DomainError) as exc:
            self.object.refresh_from_db()
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object} aborted.")
        return HttpResponseRedirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        verbose = self.get_model()._meta.verbose_name
        context.update(title=f"Abort {self.object}", kind=f"Abort {verbose}", cancel_url=self.object.get_absolute_url(),
                       status_tone=STATUS_TONES.get(self.object.status, "muted"))
        return context


__all__ = ["AbortView", "ConfirmWarningsMixin", "Step", "TimelineMixin", "status_path", "status_timeline"]
