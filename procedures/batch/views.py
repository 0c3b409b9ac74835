"""The batch page: one procedure recorded for several mice of the worklist, metadata typed once.

Reached from the worklist with `?tests=<id>&tests=<id>…` (the ticked mice, or every mouse due for the procedure).
"Save" records every mouse or none (`procedures.services.batch.experiments_record_batch`); "Save draft" keeps what
was typed for each test, unvalidated (`procedures.drafts`), and the page reloads it next time.
"""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from colonies.services.rules import NeedsConfirmation
from lims.exceptions import DomainError
from lims.forms import add_service_errors
from lims.scoping import scope_for_user
from lims.views import WriteAccessMixin
from procedures import selectors
from procedures.batch.forms import BatchMetadataForm, MouseValuesForm
from procedures.drafts import drafts_for, experiment_drafts_save
from procedures.forms import WorklistDayForm, raw_values
from procedures.models import Parameter, ScheduledTest
from procedures.services.batch import MAX_BATCH, BatchRefused, experiments_record_batch
from procedures.views.worklist import worklist_url


class BatchRecordView(LoginRequiredMixin, WriteAccessMixin, TemplateView):
    """Record one procedure for the chosen scheduled tests; errors shown per mouse and parameter, metadata once."""

    area = "phenotyping"
    template_name = "procedures/batch_record.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.tests = self._chosen_tests(request)
        return super().dispatch(request, *args, **kwargs)

    def _chosen_tests(self, request) -> list[ScheduledTest]:
        """The tests of the query (GET) or form (POST), from the user's centre: an unknown or foreign id is a 404."""
        source = request.POST if request.method == "POST" else request.GET
        try:
            ids = {int(value) for value in source.getlist("tests")}
        except ValueError:
            raise Http404("No such scheduled test.") from None
        if len(ids) > MAX_BATCH:
            raise BadRequest(f"At most {MAX_BATCH} mice per batch.")
        tests = list(
            scope_for_user(ScheduledTest.objects.select_related("procedure", "mouse__colony"), request.user)
            .filter(pk__in=ids).order_by("mouse__specimen_id", "pk")
        )
        if len(tests) != len(ids):
            raise Http404("No such scheduled test.")
        return tests

    def _day(self):
        form = WorklistDayForm({"day": self.request.POST.get("day") or self.request.GET.get("day")})
        return form.cleaned_data.get("day") if form.is_valid() else None

    def _back(self) -> dict:
        """The worklist filters to go back to (the day the batch was opened from)."""
        day = self._day()
        return {"day": day.isoformat() if day else ""}

    def _refusal(self):
        """Why this set of tests cannot be entered together (said on the worklist), or None."""
        if not self.tests:
            return "Tick the mice to record first."
        if len({t.procedure_id for t in self.tests}) > 1:
            return "Tick mice due the same procedure: a batch records one procedure."
        closed = [t for t in self.tests if t.status != ScheduledTest.Status.SCHEDULED]
        if closed:
            return "Already closed: " + ", ".join(
                f"{t.procedure.name} for {t.mouse.specimen_id} ({t.get_status_display().lower()})" for t in closed)
        return selectors.unrecordable_reason(self.tests[0].procedure, self._parameters()) or None

    def _parameters(self) -> list[Parameter]:
        """The procedure's parameters, read once per request (the refusal and the forms both need them)."""
        if not hasattr(self, "_parameter_list"):
            self._parameter_list = list(self.tests[0].procedure.parameters.all())
        return self._parameter_list

    def _forms(self, data=None):
        self.procedure = self.tests[0].procedure
        parameters = self._parameters()
        self.metadata_source, meta_initial, drafts = None, {}, {}
        if data is None:
            user = self.request.user
            self.metadata_source, meta_initial = selectors.last_metadata(user, self.procedure)
            meta_initial = {"experimenter": user.get_full_name() or user.get_username(), **meta_initial}
            drafts = drafts_for(self.tests)
        self.drafts = drafts
        meta = BatchMetadataForm(data, parameters=parameters, initial=meta_initial)
        shared_draft = next((drafts[t.pk].values for t in self.tests
                             if t.pk in drafts and any(drafts[t.pk].values.get(n) for n in meta.fields)), None)
        if shared_draft is not None:
            meta.initial.update({n: v for n, v in shared_draft.items() if n in meta.fields})
        blocks = [MouseValuesForm(data, test=t, parameters=parameters,
                                  initial=drafts[t.pk].values if t.pk in drafts else None) for t in self.tests]
        self._focus(meta, blocks, None)
        return meta, blocks

    @staticmethod
    def _focus(meta, blocks, errors_first: bool | None) -> None:
        """One autofocus on the page: the first mouse's first value, or after a refusal the first mistake."""
        for form in [meta, *blocks]:
            for form_field in form.fields.values():
                form_field.widget.attrs.pop("autofocus", None)
        if errors_first:
            for form in [meta, *blocks]:
                if form.errors:
                    form.focus_first_error()
                    return
        target = next((b for b in blocks if b.parameters), None)
        if target is not None:
            target.focus(target.first_value_name())

    def get(self, request, *args, **kwargs):
        refusal = self._refusal()
        if refusal:
            messages.error(request, refusal)
            return redirect(worklist_url(self._back()))
        meta, blocks = self._forms()
        return self.render_to_response(self.get_context_data(meta=meta, blocks=blocks))

    def post(self, request, *args, **kwargs):
        refusal = self._refusal()
        if refusal:
            messages.error(request, refusal)
            return redirect(worklist_url(self._back()))
        meta, blocks = self._forms(request.POST)
        if request.POST.get("action") == "draft":
            return self._save_draft(meta, blocks)
        valid = meta.is_valid()
        # A list, not a generator: every block is validated, so every mouse shows its mistakes at once.
        valid = all([b.is_valid() for b in blocks]) and valid  # noqa: C419
        if valid:
            try:
                experiments_record_batch(
                    tests=self.tests, actor=request.user, metadata=meta.entered_values(),
                    values={b.test.pk: b.entered_values() for b in blocks},
                    date_of_experiment=meta.cleaned_data["date_of_experiment"],
                    experimenter=meta.cleaned_data["experimenter"],
                    confirm=bool(meta.cleaned_data.get("confirm_warnings")),
                )
            except NeedsConfirmation as exc:
                # Every mouse is valid; nothing is saved until the warnings are confirmed with "Save anyway".
                self._focus(meta, blocks, None)
                return self.render_to_response(self.get_context_data(meta=meta, blocks=blocks,
                                                                     warnings=exc.warnings))
            except BatchRefused as exc:
                if exc.shared:
                    add_service_errors(meta, ValidationError(exc.shared), field_for=meta.field_for)
                for block in blocks:
                    if block.test.pk in exc.per_test:
                        add_service_errors(block, ValidationError(exc.per_test[block.test.pk]),
                                           field_for=block.field_for)
            except (ValidationError, DomainError) as exc:
                add_service_errors(meta, exc, field_for=meta.field_for)
            else:
                mice = ", ".join(t.mouse.specimen_id for t in self.tests)
                messages.success(request, f"{self.procedure.name} saved for {len(self.tests)} "
                                          f"{'mouse' if len(self.tests) == 1 else 'mice'} ({mice})")
                return redirect(worklist_url(self._back()))
        self._focus(meta, blocks, True)
        return self.render_to_response(self.get_context_data(meta=meta, blocks=blocks, refused=True))

    def _save_draft(self, meta, blocks):
        shared = raw_values(meta)
        try:
            experiment_drafts_save(drafts=[(b.test, {**shared, **raw_values(b)}) for b in blocks],
                                   actor=self.request.user)
        except (ValidationError, DomainError) as exc:
            add_service_errors(meta, exc, field_for=meta.field_for)
            return self.render_to_response(self.get_context_data(meta=meta, blocks=blocks, refused=True))
        messages.success(self.request, f"Draft of {self.procedure.name} saved for {len(blocks)} "
                                       f"{'mouse' if len(blocks) == 1 else 'mice'}; nothing is recorded yet.")
        return redirect(worklist_url(self._back()))

    def get_context_data(self, *, meta, blocks, refused=False, warnings=(), **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = []
        for block in blocks:
            measurements, _ = block.groups()
            rows.append({"form": block, "test": block.test, "mouse": block.test.mouse, "groups": measurements,
                         "overdue": block.test.window_end < today, "draft": self.drafts.get(block.test.pk)})
        _, metadata = meta.groups()
        context.update(
            procedure=self.procedure, form=meta, metadata=metadata, blocks=rows, refused=refused, warnings=warnings,
            mice_with_errors=[r for r in rows if r["form"].errors],
            metadata_error_count=len([name for name in meta.errors if name != "__all__"]),
            tests=self.tests, day=self._day(),
            metadata_source=self.metadata_source, has_drafts=bool(self.drafts),
            worklist_url=worklist_url(self._back()),
        )
        return context
