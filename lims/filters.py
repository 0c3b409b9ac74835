"""FilterSets every app builds on: free-text search and the centre filter, and the genes (shared reference data).

A core module: it imports no domain app, so `colonies` and `procedures` both derive their FilterSets from here
(one FilterSet serves an HTML list and its API endpoint, NetBox-style).
"""
import django_filters as df
from django.db.models import Q

from lims.models import Gene


class SearchFilterSet(df.FilterSet):
    """Adds `q`, a free-text search over `search_fields`, and `centre` (an ILAR code; superusers see every centre,
    everyone else only their own, so for them it narrows nothing)."""

    search_fields: tuple[str, ...] = ()
    q = df.CharFilter(method="search", label="Search")
    centre = df.CharFilter(field_name="centre__code", lookup_expr="iexact", label="Centre (code)")

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)


class GeneFilterSet(SearchFilterSet):
    search_fields = ("symbol", "mgi_id", "name")
    centre = None  # genes are shared reference data

    class Meta:
        model = Gene
        fields = ["chromosome"]


__all__ = ["GeneFilterSet", "SearchFilterSet"]
