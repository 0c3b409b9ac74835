"""Generic HTML views every app builds on: centre-scoped lists, details and forms (the dashboard is `lims.dashboard`).

App views only declare what to show (a filterset, columns, fields, a form and the service that writes). Everything
else lives here once: scoping to the user's centre (another centre's record is a 404, never a 403), write access by
role (`lims.roles.can_write`), pagination, CSV/XLSX export of the filtered list, the History tab, and turning a
service's `ValidationError` into form errors.
"""
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from lims.exceptions import DomainError
from lims.exports import EXPORTERS
from lims.forms import add_service_errors, add_version_field
from lims.history import history_rows
from lims.roles import can_write
from lims.scoping import CentreScopedMixin, scope_for_user

# The tone of each status value's badge (CSS classes `badge--<tone>`), one table for every model's `Status`.
STATUS_TONES: dict[str, str] = {
    # MicroInjection.Status
    "mip": "info", "chr": "info", "fod": "info", "gtc": "success", "abt": "danger",
    # AlleleModification.Status and PhenotypingAttempt.Status ("abt" as above)
    "mpr": "info", "ces": "info", "cec": "success", "par": "info", "pds": "info", "pdc": "success",
    # Colony.GenotypeStatus
    "in_progress": "info", "confirmed": "success", "not_confirmed": "warning", "extinct": "muted", "aborted": "danger",
    # Mouse.Status
    "alive": "success", "dead": "muted", "culled": "muted", "exported": "muted", "used": "muted",
    # ScheduledTest.Status
    "scheduled": "info", "done": "success", "missed": "danger", "not_performed": "warning", "cancelled": "muted",
    # Experiment.Status
    "draft": "warning", "submitted": "success",
    # dcc Submission.Status
    "pending": "muted", "building": "info", "validated": "info", "delivered": "success", "failed": "danger",
}


# --- Columns and cells -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a list (or one row of a detail page): a header and an attribute path or a callable.

    `value` is a dotted path (`"plan.gene.symbol"`) or a function of the object. A path ending on a field with
    choices shows the choice label; `badge=True` shows it as a coloured status badge.
    """

    header: str
    value: str | Callable[[Any], Any]
    badge: bool = False

    @classmethod
    def of(cls, spec: "Column | tuple") -> "Column":
        return spec if isinstance(spec, Column) else cls(*spec)


@dataclass
class Cell:
    """A resolved value: `value` for exports, `text` and `url` for the page, `tone` for a badge."""

    value: Any
    text: str
    url: str = ""
    tone: str = ""
    header: str = ""


def _resolve(obj: Any, column: Column) -> tuple[Any, str]:
    """Return (value, raw status) of a column for one object; choice fields give their label."""
    if callable(column.value):
        return column.value(obj), ""
    target, raw = obj, None
    parts = column.value.split(".")
    for part in parts[:-1]:
        target = getattr(target, part, None)
        if target is None:
            return None, ""
    name = parts[-1]
    raw = getattr(target, name, None)
    if isinstance(target, Model):
        try:
            model_field = target._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        if model_field is not None and getattr(model_field, "choices", None) and raw not in (None, ""):
            return getattr(target, f"get_{name}_display")(), str(raw)
    return raw, str(raw) if raw is not None else ""


def format_value(value: Any) -> str:
    """How a value reads on a page: ISO dates (unambiguous across centres), Yes/No, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def make_cell(obj: Any, column: Column) -> Cell:
    value, raw = _resolve(obj, column)
    url = ""
    if isinstance(value, Model):
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else ""
        value = str(value)
    tone = STATUS_TONES.get(raw, "muted") if column.badge and raw else ""
    return Cell(value=value, text=format_value(value), url=url, tone=tone, header=column.header)


def make_rows(objects, columns: Sequence[Column], *, link_first: bool = True) -> list[tuple[Any, list[Cell]]]:
    """Cells for every object; the first cell links to the object's own page."""
    rows = []
    for obj in objects:
        cells = [make_cell(obj, column) for column in columns]
        if link_first and cells and hasattr(obj, "get_absolute_url"):
            cells[0].url = obj.get_absolute_url()
        rows.append((obj, cells))
    return rows


@dataclass
class Section:
    """A table of related records on a detail page (a mouse's scheduled tests, a submission's files …)."""

    title: str
    columns: Sequence
    objects: Any
    empty: str = "None yet."
    action_url: str = ""
    action_label: str = ""
    rows: list = field(default_factory=list)

    def __post_init__(self):
        self.columns = [Column.of(c) for c in self.columns]
        self.rows = make_rows(self.objects, self.columns)


# --- Mixins ------------------------------------------------------------------------------------------------------


class ScopedQuerysetMixin(CentreScopedMixin):
    """The model's rows (from the app's selector when it has one), scoped to the user's centre.

    Scoping is the whole access rule for reads: another centre's record is not in the queryset, so it is a 404.
    """

    model: type[Model] | None = None
    selector: Callable[[], QuerySet] | None = None  # the app's selector (`colonies.selectors.mouse_list`), if any
    select_related: Sequence[str] = ()
    prefetch_related: Sequence[str] = ()
    scoped = True  # False for global reference data (genes)
    hide_voided = True  # lists leave voided records out; their detail pages still answer

    def get_model(self) -> type[Model]:
        if self.model is not None:
            return self.model
        return self.filterset_class._meta.model

    def base_queryset(self) -> QuerySet:
        if self.selector is not None:
            queryset = type(self).selector()
        elif self.queryset is not None:
            queryset = self.queryset.all()
        else:
            queryset = self.get_model()._default_manager.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def get_queryset(self) -> QuerySet:
        queryset = self.base_queryset()
        return scope_for_user(queryset, self.request.user) if self.scoped else queryset

    def url_for(self, action: str, *args) -> str:
        """The URL of `<namespace>:<model>_<action>` when this app defines it (and "" when it does not)."""
        namespace = self.request.resolver_match.namespace if self.request.resolver_match else ""
        name = f"{namespace}:{self.get_model()._meta.model_name}_{action}"
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return ""

    def get_template_names(self) -> list[str]:
        """`<app>/<model>_<kind>.html` when an app overrides it, else the generic template."""
        meta = self.get_model()._meta
        return [f"{meta.app_label}/{meta.model_name}{self.template_kind}.html", self.template_name]


class WriteAccessMixin:
    """Refuse (403) members whose role may not write this view's `area`; put after LoginRequiredMixin."""

    area = "production"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_write(request.user, self.area):
            raise PermissionDenied("Your role may not change these records.")
        return super().dispatch(request, *args, **kwargs)


# --- List --------------------------------------------------------------------------------------------------------


class ScopedListView(LoginRequiredMixin, ScopedQuerysetMixin, FilterView):
    """A filtered, paginated list of the user's centre's records, exportable as CSV or XLSX.

    Subclasses declare `filterset_class` (the same FilterSet the API uses), `columns` and `select_related`.
    `?export=csv|xlsx` exports every row that matches the filters, not only the page shown.
    """

    columns: Sequence = ()
    paginate_by = 50
    template_name = "generic/object_list.html"
    template_kind = "_list"
    title = ""
    # Filters the API needs but a person does not (still honoured when present in the query string).
    filter_bar_exclude: Sequence[str] = ()
    import_url_name = ""  # URL name of an Excel import page for this list, shown beside "New …"

    def get_columns(self) -> list[Column]:
        return [Column.of(c) for c in self.columns]

    def base_queryset(self) -> QuerySet:
        queryset = super().base_queryset()
        if self.hide_voided and hasattr(queryset.model, "voided_at"):
            queryset = queryset.filter(voided_at__isnull=True)
        return queryset

    def get_filterset(self, filterset_class):
        """The API's FilterSet, dressed for people: date pickers, and "Any" instead of "Unknown" or dashes."""
        filterset = super().get_filterset(filterset_class)
        for form_field in filterset.form.fields.values():
            if type(form_field) is forms.DateField:
                form_field.widget.input_type = "date"
            elif isinstance(form_field, forms.NullBooleanField):
                form_field.widget.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]
            elif getattr(form_field, "empty_label", None) is not None:
                form_field.empty_label = "Any"  # read lazily by django-filter's choice iterator …
                form_field.widget.choices = form_field.choices  # … which the form's copied widget must share
        return filterset

    def get(self, request, *args, **kwargs):
        """The page, or `?export=` the filtered rows. A filter value the list cannot apply (an idle range of 10^20
        months, a room that is not a number) answers 400 with its message: on the page, next to the filter; for an
        export, as text (an empty file would read as "nothing matches")."""
        export = request.GET.get("export")
        if export is None:
            response = super().get(request, *args, **kwargs)
            if self.filterset.is_bound and self.filterset.errors:
                response.status_code = 400
            return response
        if export not in EXPORTERS:
            raise Http404(f"No export format {export!r}.")
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            problems = [f"{name}: {message}" for name, messages in filterset.errors.items() for message in messages]
            return HttpResponseBadRequest("\n".join(problems) + "\n", content_type="text/plain; charset=utf-8")
        return self.export(export, filterset.qs)

    def export(self, fmt: str, queryset: QuerySet):
        """Stream the filtered rows in `fmt`; the file is named after the list and today's date."""
        columns = self.get_columns()

        def rows() -> Iterator[list]:
            for obj in queryset.iterator(chunk_size=2000):
                yield [make_cell(obj, column).value for column in columns]

        meta = self.get_model()._meta
        filename = f"{meta.verbose_name_plural.replace(' ', '-')}-{timezone.localdate().isoformat()}"
        return EXPORTERS[fmt]([c.header for c in columns], rows(), filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = self.get_columns()
        user = self.request.user
        context.update(
            title=self.title or str(self.get_model()._meta.verbose_name_plural).capitalize(),
            verbose_name=self.get_model()._meta.verbose_name,
            columns=columns,
            rows=make_rows(context["object_list"], columns),
            create_url=self.url_for("create") if can_write(user, self.area) else "",
            import_url=reverse(self.import_url_name) if self.import_url_name and can_write(user, self.area) else "",
            active_filters=sum(1 for k, v in self.request.GET.items() if k not in ("page", "export") and v),
            more_filters_active=sum(
                1 for k, v in self.request.GET.items() if k not in ("page", "export", "q") and v not in ("", "unknown")
            ),
            filter_bar_exclude=self.filter_bar_exclude,
        )
        return context


# --- Detail ------------------------------------------------------------------------------------------------------


class ScopedDetailView(LoginRequiredMixin, ScopedQuerysetMixin, DetailView):
    """One record of the user's centre: its fields, related tables, and a History tab (`?tab=history`).

    Subclasses declare `model`, `fields` (same shape as list columns) and may add `get_sections()`.
    """

    fields: Sequence = ()
    template_name = "generic/object_detail.html"
    template_kind = "_detail"

    def get_sections(self) -> list[Section]:
        return []

    def get_actions(self) -> list[tuple[str, str]]:
        """Extra buttons beside Edit, as (label, url): a scheduled test's Record, …"""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        tab = "history" if self.request.GET.get("tab") == "history" else "details"
        fields = [Column.of(f) for f in self.fields]
        context.update(
            title=str(obj),
            kind=str(self.get_model()._meta.verbose_name).capitalize(),
            verbose_name_plural=self.get_model()._meta.verbose_name_plural,
            tab=tab,
            field_cells=[(f.header, make_cell(obj, f)) for f in fields],
            list_url=self.url_for("list"),
            update_url=self.url_for("update", obj.pk) if can_write(self.request.user, self.area) else "",
            actions=self.get_actions(),
        )
        if tab == "history":
            context["history"] = history_rows(obj)
        else:
            context["sections"] = self.get_sections()
        return context


# --- Create and update through services --------------------------------------------------------------------------


class ServiceFormMixin(WriteAccessMixin):
    """Save a form by calling the view's service (`actor=` + the form's fields); show its errors on the form.

    `service` is a plain function, read from the class so that it is not bound as a method.
    """

    service: Callable[..., Model] | None = None
    template_name = "generic/object_form.html"
    template_kind = "_form"

    def get_model(self) -> type[Model]:
        return self.form_class._meta.model

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def call_service(self, form) -> Model:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.call_service(form)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.get_model()._meta.verbose_name.capitalize()} {self.object} saved.")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        verbose = self.get_model()._meta.verbose_name
        obj = getattr(self, "object", None)
        context.update(
            title=f"Edit {obj}" if obj is not None and obj.pk else f"New {verbose}",
            kind=str(verbose).capitalize(),
            cancel_url=obj.get_absolute_url() if obj is not None and obj.pk else self.url_for("list"),
            status_cell=make_cell(obj, Column("Status", "status", badge=True)) if hasattr(obj, "status") else None,
        )
        return context


class ScopedCreateView(LoginRequiredMixin, ServiceFormMixin, ScopedQuerysetMixin, CreateView):
    """Create a record of the user's centre: `service(actor=user, **fields)` (the service sets the centre)."""

    def call_service(self, form) -> Model:
        return type(self).service(actor=self.request.user, **form.service_fields())


class ScopedUpdateView(LoginRequiredMixin, ServiceFormMixin, ScopedQuerysetMixin, UpdateView):
    """Change a record of the user's centre: `service(instance=…, actor=user, **fields)`.

    The form edits its own copy: a ModelForm writes the new values onto its instance while validating, and the
    service must see the stored record to know what changed (and audit exactly that). The form also asks why:
    `lims.audit.AuditContextMiddleware` files the posted `change_reason` with the change, shown on the History tab.
    """

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_queryset().get(pk=self.object.pk)
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["change_reason"] = forms.CharField(
            required=False, max_length=500, label="Reason for the change",
            help_text="Kept in the record's history with your name.", widget=forms.Textarea(attrs={"rows": 2}),
        )
        if self.versioned:
            add_version_field(form, self.object.version)
        return form

    @property
    def versioned(self) -> bool:
        """Records with a `version` (colonies, mice, matings) refuse a save made from a stale page."""
        return any(f.name == "version" for f in self.get_model()._meta.concrete_fields)

    def call_service(self, form) -> Model:
        fields = form.service_fields()
        if self.versioned:
            fields["version"] = form.cleaned_data.get("version")
        return type(self).service(instance=self.object, actor=self.request.user, **fields)


def overdue_on(day: dt.date) -> Q:
    """Scheduled tests past the end of their window on `day`: the one definition of "overdue"."""
    return Q(window_end__lt=day)
