"""The lean read path of the hot API lists (mice, scheduled tests, experiments): rows from `values()`, serialised
without model instances, and a cursor (`?cursor=`) beside page numbers so a client walking a list needs no COUNT(*).

Why: a page of 50 mice through the ModelSerializer built ~240 model instances and ran every field's attribute
chain; the request cost ~20 × the bare SQL of the page (`make bench`, api_mice). Here each output field is read by
one `values()` path and written by the serializer field's own `to_representation`, so the answer is the
serializer's, field for field. The serializer stays the one definition: the OpenAPI schema, the detail view and every
write use it, and `tests/test_lean_lists.py` compares both outputs row by row.

A viewset opts in with `LeanListMixin`; for the fields `values()` cannot read by their source (method fields,
properties) it names the annotation that holds them (`lean_sources`, `lean_annotations`) and how to read nested lists
(`lean_nested`). A field it cannot map raises `ImproperlyConfigured` on the first request, never a wrong answer.
"""
import base64
import binascii
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import connections, router
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField, SlugRelatedField
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from lims.api import StandardPagination
from lims.lean_convert import bind, converter
from lims.lean_filters import filter_simply
from lims.scoping import scope_for_user


@dataclass
class LeanNested:
    """A nested list field (a `many=True` serializer) read by one query for the whole page.

    `queryset` is the children's base queryset (its ordering is the one the prefetch gave), `parent` the foreign
    key to the listed record; `sources` and `annotations` as on the viewset, for the child serializer's fields.
    """

    queryset: QuerySet
    parent: str
    sources: dict[str, str] = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LeanComputed:
    """A field the serializer computes in Python from several columns (a mouse's age from its date of birth, status
    and status date): `function(row)` of the `values()` row that holds `paths`.

    With `per_page`, `function(row, per_page())`: what every row needs alike (today's date) is computed once per
    page, not once per row.
    """

    paths: tuple[str, ...]
    function: Callable[..., object]
    per_page: Callable[[], object] | None = None

    def bind(self) -> Callable[[dict], object]:
        if self.per_page is None:
            return self.function
        shared, function = self.per_page(), self.function
        return lambda row: function(row, shared)


def _column(name: str, serializer_field, sources: dict) -> tuple[str | None, object, type | None]:
    """(values() path, converter or None, value type written unchanged or None) of one output field; (None,
    LeanComputed, None) for a computed one."""
    if isinstance(sources.get(name), LeanComputed):
        return None, sources[name], None
    if name in sources:
        return sources[name], None, None
    if isinstance(serializer_field, (serializers.SerializerMethodField, ManyRelatedField,
                                     serializers.BaseSerializer)):
        raise ImproperlyConfigured(f"Lean field {name!r} needs a values() path in lean_sources or lean_nested.")
    path = "__".join(serializer_field.source_attrs)
    if isinstance(serializer_field, SlugRelatedField):
        return f"{path}__{serializer_field.slug_field}", None, None
    if isinstance(serializer_field, PrimaryKeyRelatedField):
        pk_field = serializer_field.pk_field
        if pk_field is None:
            return path, None, None
        serializer_field = pk_field
    unchanged, convert = converter(serializer_field)
    return path, convert, unchanged


class LeanPlan:
    """How to read a serializer's output with `values()` and write it as its `to_representation` would.

    DRF writes None for a missing or null attribute and `field.to_representation(value)` otherwise; so does `render`.
    """

    def __init__(self, serializer: serializers.Serializer, *, sources: dict[str, str],
                 nested: dict[str, LeanNested] | None = None):
        nested = nested or {}
        # (output name, values() path or None, converter or None, type written unchanged or None,
        #  (LeanNested, LeanPlan) or None)
        self.fields: list[tuple[str, str | None, object, type | None, tuple | None]] = []
        for name, serializer_field in serializer.fields.items():
            if serializer_field.write_only:
                continue
            if name in nested:
                if not isinstance(serializer_field, serializers.ListSerializer):
                    raise ImproperlyConfigured(f"Lean field {name!r} is not a nested list serializer.")
                spec = nested[name]
                self.fields.append((name, None, None, None,
                                    (spec, LeanPlan(serializer_field.child, sources=spec.sources))))
            else:
                self.fields.append((name, *_column(name, serializer_field, sources), None))

    @property
    def paths(self) -> list[str]:
        paths = []
        for _, path, convert, _, _ in self.fields:
            paths.extend(convert.paths if isinstance(convert, LeanComputed) else [path] if path is not None else [])
        return list(dict.fromkeys(paths))

    def render(self, rows: list[dict]) -> list[dict]:
        """The serializer's output for `rows` (dicts from `values("pk", *self.paths)`); one query per nested list."""
        ids = [row["pk"] for row in rows]
        children = {name: _children(*nested, ids) for name, _, _, _, nested in self.fields if nested is not None}
        fields = [(name, path, convert.bind() if path is None and nested is None else bind(convert), unchanged, nested)
                  for name, path, convert, unchanged, nested in self.fields]
        out = []
        for row in rows:
            item = {}
            for name, path, convert, unchanged, nested in fields:
                if nested is not None:
                    item[name] = children[name].get(row["pk"], [])
                elif path is None:
                    item[name] = convert(row)
                else:
                    value = row[path]
                    item[name] = (value if value is None or convert is None or type(value) is unchanged
                                  else convert(value))
            out.append(item)
        return out


def _children(spec: LeanNested, plan: LeanPlan, parent_ids: list) -> dict:
    if not parent_ids:
        return {}
    key = "_lean_parent"
    rows = _ChildrenQuery.of(spec, plan).rows(parent_ids)
    grouped: dict = {}
    for row, item in zip(rows, plan.render(rows), strict=True):
        grouped.setdefault(row[key], []).append(item)
    return grouped


class _ChildrenQuery:
    """A nested list's query, compiled once: its SQL takes the page's parent ids as one array parameter.

    Why: the query is the same for every page but the ids, and building and compiling it per page cost ~4 × running
    it (`make bench`, api_mice). The rows go through the same database converters as `values()` would apply.
    """

    def __init__(self, spec: LeanNested, plan: LeanPlan):
        ids = []  # a marker, found again by identity among the compiled parameters
        queryset = (spec.queryset.filter(**{f"{spec.parent}__in": RawSQL("SELECT unnest(%s)", (ids,))})
                    .annotate(**spec.annotations).annotate(_lean_parent=F(spec.parent))
                    .values("_lean_parent", "pk", *plan.paths))
        self.using = queryset.db
        compiler = queryset.query.get_compiler(using=self.using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.ids_at = next(i for i, param in enumerate(self.params) if param is ids)
        query = queryset.query
        self.names = (list(query.selected) if query.selected  # as `ValuesIterable` names the columns
                      else [*query.extra_select, *query.values_select, *query.annotation_select])
        self.compiler = compiler
        self.converters = compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]])

    @classmethod
    def of(cls, spec: LeanNested, plan: LeanPlan) -> "_ChildrenQuery":
        """The compiled query of this thread's connection (the compiler hands its connection to the converters)."""
        compiled = plan.__dict__.setdefault("_children_queries", weakref.WeakKeyDictionary())
        connection = connections[spec.queryset.db]
        if connection not in compiled:
            compiled[connection] = cls(spec, plan)
        return compiled[connection]

    def rows(self, parent_ids: list) -> list[dict]:
        params = list(self.params)
        params[self.ids_at] = list(parent_ids)
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]


def precompiled(model, annotations: dict) -> dict:
    """`annotations` (expressions over `model`'s rows) compiled to SQL once, as `RawSQL` of the same output field.

    Why: a list's annotations are the same on every request, but the ORM resolves and compiles each again per
    request; seven scalar subqueries (a mouse's centre, colony, strain, litter, parents and cage) were a fifth of the
    mouse list's time (`make bench`, api_mice). The SQL refers to the listed table by its name, which is its alias
    in any query over `model` that is not itself nested in another query, as the lean list's page query is not.
    """
    query = model._base_manager.annotate(**annotations).query
    compiler = query.get_compiler(using=router.db_for_read(model))
    compiled = {}
    for name in annotations:
        expression = query.annotations[name]
        sql, params = compiler.compile(expression)
        compiled[name] = RawSQL(sql, tuple(params), output_field=expression.output_field)
    return compiled


class LeanRows:
    """A list's filtered, scoped queryset and the paths to read: the paginator orders and slices it, then takes the
    `values()` (so the ordering fields need not be among the output paths)."""

    def __init__(self, queryset: QuerySet, paths: list[str]):
        self.queryset, self.paths = queryset, paths

    def values(self) -> QuerySet:
        return self.queryset.values("pk", *self.paths)


class LeanListMixin:
    """`list()` from `values()` rows for a `LimsViewSet`: same filters, scoping, ordering and JSON, no instances.

    `lean_sources`: output field → values() path, for fields the serializer computes (method fields, properties);
    `lean_annotations`: name → expression, for those paths that are not columns; `lean_nested`: field →
    `LeanNested`; `lean_queryset`: other base rows than `queryset`. Every other field is read by its own source.
    Pagination: `LeanPagination`.
    """

    lean_sources: dict[str, str] = {}
    lean_annotations: dict = {}
    lean_nested: dict[str, LeanNested] = {}
    #: The rows to list, when not the viewset's queryset (which may join or annotate for the detail view what the
    #: list reads through `lean_annotations`, added after the filters); scoped to the user's centre here.
    lean_queryset: QuerySet | None = None

    def filter_queryset(self, queryset):
        """The filter backends in turn, django-filter's through `lims.lean_filters.filter_simply` when it can answer
        (the same rows as the FilterSet, without building its form), else as DRF would call it."""
        for backend in list(self.filter_backends):
            if backend is DjangoFilterBackend and getattr(self, "filterset_class", None) is not None:
                filtered = filter_simply(self.filterset_class, self.request, queryset)
                if filtered is not None:
                    queryset = filtered
                    continue
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    @classmethod
    def lean_plan(cls) -> LeanPlan:
        if "_lean_plan" not in cls.__dict__:
            cls._lean_plan = LeanPlan(cls.serializer_class(context={}), sources=cls.lean_sources,
                                      nested=cls.lean_nested)
        return cls._lean_plan

    def list(self, request, *args, **kwargs):
        plan = self.lean_plan()
        base = self.get_queryset() if self.lean_queryset is None else scope_for_user(self.lean_queryset.all(),
                                                                                      request.user)
        queryset = self.filter_queryset(base).prefetch_related(None)
        if self.lean_annotations:
            if "_lean_compiled" not in type(self).__dict__:
                type(self)._lean_compiled = precompiled(base.model, self.lean_annotations)
            queryset = queryset.annotate(**type(self)._lean_compiled)
        rows = LeanRows(queryset, plan.paths)
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(plan.render(list(rows.values())))
        return self.get_paginated_response(plan.render(page))


# --- Pagination: page numbers, or a cursor -------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _nullable(model, path: str) -> bool:
    """Whether `path` (a field or a relation path) can be NULL; True when it is not a plain field path."""
    if path in ("pk", "id"):
        return False
    try:
        for part in path.split("__"):
            model_field = model._meta.get_field(part)
            if model_field.null or model_field.many_to_many or model_field.one_to_many:
                return True
            model = model_field.related_model or model
    except FieldDoesNotExist:
        return True
    return False


class KeysetCursor:
    """The page after (or before) the row a cursor names, in the list's ordering plus `pk`: no COUNT, no OFFSET.

    A cursor is the boundary row's ordering values, base64 JSON. NULLs sort as PostgreSQL sorts them by default
    (last ascending, first descending) and the position predicate follows that, so a nullable ordering field (a
    date of birth) pages without gaps or repeats.
    """

    def __init__(self, model, ordering: list[str], page_size: int):
        fields = [(name.lstrip("-"), name.startswith("-")) for name in ordering]
        if not any(name in ("pk", "id") for name, _ in fields):
            fields.append(("pk", False))
        self.fields = [(name, descending, _nullable(model, name)) for name, descending in fields]
        self.page_size = page_size

    def decode(self, encoded: str) -> tuple[list | None, bool]:
        if not encoded:
            return None, False
        try:
            data = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")).decode("utf-8"))
            values, backwards = data["v"], bool(data.get("b"))
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
            raise NotFound("Invalid cursor.") from None
        if not isinstance(values, list) or len(values) != len(self.fields):
            raise NotFound("Invalid cursor.")
        return values, backwards

    @staticmethod
    def encode(values: list, backwards: bool) -> str:
        data = {"v": [_jsonable(v) for v in values], **({"b": 1} if backwards else {})}
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode("ascii")

    @staticmethod
    def _after(values: list, fields: list[tuple[str, bool, bool]]) -> Q:
        """Rows strictly after `values` in the order `fields` (name, descending, nullable)."""
        condition, equal = Q(pk__in=[]), Q()
        for (name, descending, nullable), value in zip(fields, values, strict=True):
            if value is None:
                later = Q(**{f"{name}__isnull": False}) if descending else Q(pk__in=[])
                same = Q(**{f"{name}__isnull": True})
            else:
                later = Q(**{f"{name}__lt" if descending else f"{name}__gt": value})
                if nullable and not descending:
                    later |= Q(**{f"{name}__isnull": True})
                same = Q(**{name: value})
            condition |= equal & later
            equal &= same
        return condition

    def page(self, rows: QuerySet, encoded: str) -> tuple[list, list | None, list | None]:
        """(rows, the next page's cursor values, the previous page's) of the page the cursor names."""
        values, backwards = self.decode(encoded)
        fields = [(name, descending != backwards, nullable) for name, descending, nullable in self.fields]
        if values is not None:
            try:
                rows = rows.filter(self._after(values, fields))
            except (ValueError, TypeError, ValidationError):
                raise NotFound("Invalid cursor.") from None
        keys = {f"_lean_key_{i}": F(name) for i, (name, _, _) in enumerate(fields)}
        order = [F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True)
                 for name, descending, _ in fields]
        found = list(rows.annotate(**keys).order_by(*order)[:self.page_size + 1])
        more = len(found) > self.page_size
        found = found[:self.page_size]
        if backwards:
            found.reverse()
        edges = [[row.pop(key) for key in keys] for row in found]
        before, after = (more, values is not None) if backwards else (values is not None, more)
        return found, edges[-1] if after and edges else None, edges[0] if before and edges else None


class LeanPagination(StandardPagination):
    """Page numbers (`?page=`, with `count`) as every list, or a cursor (`?cursor=`, empty for the first page) whose
    answers carry `next`/`previous` links and no `count`: walking a large list costs no COUNT(*) and no OFFSET."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        rows: LeanRows = queryset
        self.cursor_links = None
        if self.cursor_query_param not in request.query_params:
            page = super().paginate_queryset(rows.values(), request, view)
            return None if page is None else list(page)
        # The list's ordering as `filter_queryset` left it (`?ordering=`, else the selector's or the model's).
        ordering = _default_ordering(rows.queryset)
        cursor = KeysetCursor(rows.queryset.model, ordering, self.get_page_size(request) or self.page_size)
        found, following, previous = cursor.page(rows.values(), request.query_params[self.cursor_query_param])
        url = request.build_absolute_uri()
        self.cursor_links = {
            "next": None if following is None else replace_query_param(url, self.cursor_query_param,
                                                                       cursor.encode(following, False)),
            "previous": None if previous is None else replace_query_param(url, self.cursor_query_param,
                                                                          cursor.encode(previous, True)),
        }
        return found

    def get_paginated_response(self, data):
        if self.cursor_links is None:
            return super().get_paginated_response(data)
        return Response({**self.cursor_links, "results": data})

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results"]
        answer["properties"]["count"]["description"] = "Rows in the whole list; not given with `cursor`."
        return answer

    def get_schema_operation_parameters(self, view):
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query", "schema": {"type": "string"},
            "description": "Walk the list by cursor instead of page numbers (no `count`): empty for the first page, "
                           "then follow the `next` and `previous` links.",
        }]


def _default_ordering(queryset: QuerySet) -> list[str]:
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering or ["pk"])
    return [o for o in ordering if isinstance(o, str)]


LeanListMixin.pagination_class = LeanPagination
