"""What the colony-management writes share: warnings that ask "Save anyway" (`NeedsConfirmation`) and the one-action
page (end a mating, close a cage, wean a litter).

Views stay thin: forms collect, `colonies.services` decides, and warnings come back as a "Save anyway" box.
"""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import FormView

from colonies.services import NeedsConfirmation
from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.views import ScopedCreateView, ScopedQuerysetMixin, WriteAccessMixin


class ServiceWarningsMixin:
    """Forms whose service may answer `NeedsConfirmation`: show the warnings with a "Save anyway" box, and pass
    `confirm=True` once it is ticked. Errors still come first; nothing is saved before the person confirms."""

    def confirm_value(self, form) -> bool:
        return bool(form.cleaned_data.get("confirm_warnings"))

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))


class WarnedCreateView(ServiceWarningsMixin, ScopedCreateView):
    def call_service(self, form):
        fields = {k: v for k, v in form.service_fields().items() if k != "confirm_warnings"}
        return type(self).service(actor=self.request.user, confirm=self.confirm_value(form), **fields)


class RecordActionView(LoginRequiredMixin, WriteAccessMixin, ScopedQuerysetMixin, SingleObjectMixin, FormView):
    """One action on one record (end a mating, close a cage, wean a litter): a small form, then `act()`.

    Another centre's record is a 404; a service's errors land on the form; warnings ask for confirmation.
    """

    template_name = "generic/object_form.html"
    template_kind = "_action"
    area = "colony"
    title = ""
    submit_label = "Save"
    intro = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "user" in self.get_form_class().__init__.__code__.co_varnames:
            kwargs["user"] = self.request.user
        return kwargs

    def act(self, form):
        raise NotImplementedError

    def success_message(self) -> str:
        return f"{self.object} saved."

    def form_valid(self, form):
        try:
            self.act(form)
        except NeedsConfirmation as exc:
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            self.object.refresh_from_db()
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=self.title.format(obj=self.object), kind=str(self.get_model()._meta.verbose_name).capitalize(),
                       cancel_url=self.object.get_absolute_url(), submit_label=self.submit_label,
                       intro=self.intro.format(obj=self.object) if self.intro else "")
        return context


__all__ = ["RecordActionView", "ServiceWarningsMixin", "WarnedCreateView"]
