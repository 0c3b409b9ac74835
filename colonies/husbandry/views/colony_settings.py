"""The centre's colony settings page: breeding thresholds, reminder delays, cage capacity, the mouse-ID pattern and
per-strain overrides."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from colonies import services
from colonies.husbandry import forms as hforms
from colonies.models import StrainSetting
from colonies.selectors import colony_settings_for
from lims.forms import add_service_errors
from lims.roles import can_write
from lims.scoping import scope_for_user


class ColonySettingsView(LoginRequiredMixin, TemplateView):
    """The centre's breeding thresholds, reminder delays, cage capacity and mouse-ID pattern, and per-strain
    overrides. Everyone of the centre reads them (they explain the rules' messages); centre admins and colony
    managers change them."""

    template_name = "colonies/colony_settings.html"
    area = "colony_settings"

    def may_write(self) -> bool:
        return can_write(self.request.user, self.area)

    def current(self):
        return colony_settings_for(self.request.user.centre)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or hforms.ColonySettingsForm(instance=self.current())
        if not self.may_write():
            for field in form.fields.values():
                field.disabled = True
        context.update(
            title="Colony settings", kind="Colony", form=form, may_write=self.may_write(),
            strain_form=kwargs.get("strain_form") or hforms.StrainSettingForm(),
            strain_rows=scope_for_user(StrainSetting.objects.select_related("strain"), self.request.user,
                                       own_centre=True),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.may_write():
            raise PermissionDenied("Only centre admins and colony managers change the colony settings.")
        centre = request.user.centre
        if request.POST.get("which") == "strain":
            strain_form = hforms.StrainSettingForm(request.POST)
            if strain_form.is_valid():
                services.strain_setting_set(actor=request.user, centre=centre, **strain_form.cleaned_data)
                messages.success(request, f"Settings for {strain_form.cleaned_data['strain']} saved.")
                return HttpResponseRedirect(reverse("colonies:colony_settings"))
            return self.render_to_response(self.get_context_data(strain_form=strain_form))
        form = hforms.ColonySettingsForm(request.POST, instance=self.current())
        if form.is_valid():
            try:
                services.colony_settings_update(actor=request.user, centre=centre, **{
                    name: form.cleaned_data[name] for name in form.fields})
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Colony settings saved.")
                return HttpResponseRedirect(reverse("colonies:colony_settings"))
        return self.render_to_response(self.get_context_data(form=form))
