"""Mice: the list (with the several-mice actions), a mouse's page with its pedigree, and the writes on mice (register,
edit, correct the identity the DCC has, move, cull or retire several at once)."""
from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic.edit import FormView

from colonies import selectors, services, tables
from colonies.generic import PrefillFromQueryMixin
from colonies.husbandry import forms as hforms
from colonies.husbandry.filters import MouseFilterSet
from colonies.husbandry.pedigree import pedigree_of
from colonies.models import Mouse
from colonies.services import NeedsConfirmation
from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.roles import can_write
from lims.views import ScopedCreateView, ScopedDetailView, ScopedListView, ScopedUpdateView, Section, WriteAccessMixin


class MouseListView(ScopedListView):
    """Mice with where they are now; breeders are labelled so they are never mistaken for stock."""

    filterset_class = MouseFilterSet
    selector = selectors.mouse_list
    filter_bar_exclude = ["updated_since"]  # for API clients syncing changes
    area = "colony"
    columns = tables.MOUSE_COLUMNS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_write"] = can_write(self.request.user, self.area)
        return context


class MouseDetailView(ScopedDetailView):
    """A mouse: its pedigree drawn, its cage history, genotypes, schedule and experiments."""

    model = Mouse
    selector = selectors.mouse_list
    area = "colony"
    fields = tables.MOUSE_FIELDS

    def get_actions(self):
        mouse = self.object
        if not can_write(self.request.user, self.area):
            return []
        correct = ([("Correct identity", reverse("colonies:mouse_correct", args=[mouse.pk]))]
                   if mouse.dcc_submitted_at is not None else [])
        if not mouse.is_alive:
            return correct
        action = reverse("colonies:mice_action")
        return [("Move", f"{action}?mice={mouse.pk}&action=move"),
                ("Record genotype", f"{reverse('colonies:genotyperesult_create')}?mouse={mouse.pk}"),
                ("Cull", f"{action}?mice={mouse.pk}&action=cull"), *correct]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context.get("tab") != "history":
            context["pedigree"] = pedigree_of(self.object)
        return context

    def get_sections(self):
        mouse = self.object
        placements = mouse.placements.select_related("cage__rack__room").order_by("-started_on", "-pk")
        results = mouse.genotype_results.filter(voided_at__isnull=True).select_related("assay", "sample")
        tests = mouse.scheduled_tests.select_related("procedure").order_by("due_date", "procedure__key")
        experiments = mouse.experiments.filter(voided_at__isnull=True).select_related("procedure")
        return [
            Section("Cage history", tables.MOUSE_CAGE_HISTORY, placements, empty="Never placed in a cage."),
            Section("Genotyping results", tables.MOUSE_GENOTYPES, results, empty="Not genotyped yet."),
            Section("Scheduled tests", tables.MOUSE_SCHEDULED_TESTS, tests, empty="Not enrolled in a pipeline."),
            Section("Experiments", tables.MOUSE_EXPERIMENTS, experiments),
            Section("DCC validation", tables.DCC_MESSAGE_COLUMNS, mouse.dcc_messages.all(),
                    empty="No message from the DCC."),
        ]


class MouseCreateView(PrefillFromQueryMixin, ScopedCreateView):
    form_class = hforms.MouseForm
    service = services.mouse_create
    area = "colony"
    prefill = ("colony", "cage")


class MouseUpdateView(ScopedUpdateView):
    form_class = hforms.MouseUpdateForm
    service = services.mouse_update
    selector = selectors.mouse_list
    area = "colony"


class MouseCorrectView(ScopedUpdateView):
    """Correct the identity of a mouse the DCC already has: `services.mouse_correct` with the form's reason."""

    form_class = hforms.MouseCorrectForm
    service = services.mouse_correct
    selector = selectors.mouse_list
    area = "colony"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        del form.fields["change_reason"]  # the correction's own reason is required and kept instead
        return form

    def call_service(self, form):
        fields = form.service_fields()
        return services.mouse_correct(instance=self.object, actor=self.request.user, reason=form.cleaned_data["reason"],
                                      version=form.cleaned_data.get("version"), **fields)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sent = self.object.dcc_submitted_at
        context["title"] = f"Correct identity of {self.object}"
        context["intro"] = (f"The DCC has this mouse since {sent:%Y-%m-%d}. The correction and its reason are kept in "
                            "its history, and the next export sends the corrected mouse under the same ID."
                            if sent else "This mouse has not been sent to the DCC; the correction is kept in its "
                            "history with the reason.")
        return context


class MiceActionView(LoginRequiredMixin, WriteAccessMixin, FormView):
    """Several mice at once: ticked on the mouse list (or a cage page), then moved, culled or retired together."""

    form_class = hforms.MiceActionForm
    template_name = "colonies/mice_action.html"
    area = "colony"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        return {"mice": self.request.GET.getlist("mice"), "action": self.request.GET.get("action", "move"),
                "date": date.today(), "cage": self.request.GET.get("cage")}

    def form_valid(self, form):
        data, user = form.cleaned_data, self.request.user
        mice = list(data["mice"])
        try:
            if data["action"] == "move":
                services.mice_move(actor=user, mice=mice, cage=data["cage"], on=data["date"],
                                   confirm=bool(data.get("confirm_warnings")))
                done = f"{len(mice)} mice moved to {data['cage']}."
            elif data["action"] == "cull":
                services.mice_set_status(actor=user, mice=mice, status=data["status"], on=data["date"],
                                         reason=data["reason"])
                done = f"{len(mice)} mice marked {data['status']}."
            else:
                services.breeders_retire(actor=user, mice=mice, on=data["date"], reason=data["reason"])
                done = f"{len(mice)} breeders retired."
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=lambda key: "date" if key == "on" else key)
            return self.form_invalid(form)
        messages.success(self.request, done)
        if data["action"] == "move":
            return HttpResponseRedirect(data["cage"].get_absolute_url())
        return HttpResponseRedirect(reverse("colonies:mouse_list"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title="Several mice", kind="Mice", cancel_url=reverse("colonies:mouse_list"))
        return context
