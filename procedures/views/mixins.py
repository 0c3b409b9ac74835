"""What the phenotyping pages share: the scheduled test of the URL, and saving a values form through a service."""
from collections.abc import Callable

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from colonies.services.rules import NeedsConfirmation
from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.scoping import scope_for_user
from lims.views import WriteAccessMixin
from procedures.models import ScheduledTest


class ScheduledTestMixin(LoginRequiredMixin, WriteAccessMixin):
    """The scheduled test of the URL as `self.test`, from the user's centre (another centre's is simply not found)."""

    area = "phenotyping"
    test_related = ("procedure", "mouse")  # what the page shows of the test, fetched with it

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            tests = scope_for_user(ScheduledTest.objects.select_related(*self.test_related), request.user)
            self.test = get_object_or_404(tests, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class ValuesSaveMixin:
    """Save an `ExperimentRecordForm` (or its kin) through a service, keeping everything typed when it does not.

    Warnings come back with a "Save anyway" box; refusals are shown beside the inputs they concern.
    """

    def save_values(self, form, save: Callable[[], object]):
        """Call `save`; None once it has saved, else the page again with its warnings or refusals."""
        try:
            save()
        except NeedsConfirmation as exc:
            # Nothing saved: the warnings and a "Save anyway" box, with everything typed kept as it was.
            return self.render_to_response(self.get_context_data(form=form, warnings=exc.warnings))
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, field_for=form.field_for)
            return self.form_invalid(form)
        return None
