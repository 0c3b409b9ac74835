"""The search box's page: straight to the record when one matches, a list when several do, "Nothing found" else."""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.views.generic import TemplateView

from colonies import search


class SearchView(LoginRequiredMixin, TemplateView):
    """`?q=` a mouse's specimen ID or ear mark, a cage ID or a colony name, in the user's centre only."""

    template_name = "colonies/search.html"

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()
        hits = search.find(request.user, query)
        if len(hits) == 1:
            return HttpResponseRedirect(hits[0].url)
        return self.render_to_response(self.get_context_data(query=query, hits=hits))
