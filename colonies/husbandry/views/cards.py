"""Cage cards (print page and PDF, one cage or a sheet) and the census page; thin views over
`colonies.husbandry.cards` and `colonies.husbandry.census`.

Every cage comes through `scope_for_user`, so another centre's cage is a 404 here as everywhere else. The QR code
encodes the absolute URL of the cage's page as this request sees the site (`build_absolute_uri`), so a card printed
from the production host opens the production page.
"""
import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from colonies.husbandry.cards import CageCard, cage_cards, cards_pdf
from colonies.husbandry.census import AGE_BANDS, SEXES, cage_days, census
from colonies.husbandry.filters import CageFilterSet
from colonies.husbandry.forms import CensusForm
from colonies.models import Cage
from lims.exports import xlsx_sheets_response
from lims.scoping import scope_for_user

# A sheet is meant for a rack or a room; a whole centre's cages at once would be a very long page and PDF.
MAX_CARDS = 400


class CageCardMixin(LoginRequiredMixin):
    """Find the cards a request asks for and give each the absolute URL its QR code encodes."""

    def scoped_cages(self):
        return scope_for_user(Cage.objects.all(), self.request.user)

    def with_qr_urls(self, cards: list[CageCard]) -> list[CageCard]:
        for card in cards:
            card.qr_url = self.request.build_absolute_uri(card.path)
        return cards

    def one_card(self, pk: int) -> CageCard:
        cards = cage_cards(self.scoped_cages().filter(pk=pk))
        if not cards:
            raise Http404("No such cage.")
        return self.with_qr_urls(cards)[0]

    def selected_cards(self) -> tuple[list[CageCard], bool]:
        """Cards for `?cage=<pk>&cage=<pk>` or, without those, for the cage list's filters (open cages by default).

        Returns the cards (at most MAX_CARDS, in cage ID order) and whether more matched than were shown.
        """
        params = self.request.GET
        cages = self.scoped_cages().filter(voided_at__isnull=True)
        pks = [int(value) for value in params.getlist("cage") if value.strip().isdigit()]
        if pks or params.getlist("cage"):
            cages = cages.filter(pk__in=pks)
        else:
            filterset = CageFilterSet(params, queryset=cages)
            cages = filterset.qs if filterset.is_valid() else cages.none()
            if "is_open" not in params:
                cages = cages.filter(closed_on__isnull=True)
        cages = cages.order_by("cage_id")
        cards = cage_cards(cages[: MAX_CARDS + 1])
        return self.with_qr_urls(cards[:MAX_CARDS]), len(cards) > MAX_CARDS


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "cage-cards"
    response["Content-Disposition"] = f'inline; filename="{safe}.pdf"'
    return response


class CageCardView(CageCardMixin, TemplateView):
    """One cage's card, ready to print (A6 on A4, navigation hidden) with its PDF beside it."""

    template_name = "colonies/cage_card.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        card = self.one_card(self.kwargs["pk"])
        context.update(title=f"Cage card {card.cage_id}", card=card)
        return context


class CageCardPdfView(CageCardMixin, View):
    def get(self, request, pk: int):
        card = self.one_card(pk)
        return _pdf_response(cards_pdf([card], sheet=False), f"cage-card-{card.cage_id}")


class CageCardsView(CageCardMixin, TemplateView):
    """Several cages' cards, four to an A4 page: the cages ticked (`?cage=`) or a room's, as the cage list filters."""

    template_name = "colonies/cage_cards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cards, truncated = self.selected_cards()
        query = self.request.GET.urlencode()
        context.update(title="Cage cards", cards=cards, truncated=truncated, max_cards=MAX_CARDS,
                       query=f"?{query}" if query else "")
        return context


class CageCardsPdfView(CageCardMixin, View):
    def get(self, request):
        cards, _ = self.selected_cards()
        return _pdf_response(cards_pdf(cards, sheet=True), f"cage-cards-{timezone.localdate().isoformat()}")


# --- Census ------------------------------------------------------------------------------------------------------


class CensusView(LoginRequiredMixin, TemplateView):
    """Cages and mice per room and colony on a day, and cage-days over a range; `?export=xlsx` for a workbook."""

    template_name = "colonies/census.html"

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export not in (None, "xlsx"):
            raise Http404(f"No export format {export!r}.")
        form = CensusForm(request.GET, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        values = form.cleaned_data
        filters = {"room": values["room"], "colony": values["colony"]}
        the_census = census(request.user, day=values["date"], **filters)
        the_days = cage_days(request.user, start=values["from"], end=values["to"], **filters)
        if export == "xlsx":
            return census_workbook(the_census, the_days)
        return self.render_to_response(self.get_context_data(form=form, census=the_census, cage_days=the_days))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query["export"] = "xlsx"
        context.update(title="Census", sexes=[label for _, label, _ in SEXES],
                       bands=[label for _, label, _, _ in AGE_BANDS], export_query=query.urlencode())
        return context


def census_workbook(the_census, the_days) -> FileResponse:
    """Both tables in one workbook, sheets "Census" and "Cage-days", with dates and counts as native cells."""
    return xlsx_sheets_response([("Census", the_census.export_headers(), the_census.export_rows()),
                                 ("Cage-days", the_days.export_headers(), the_days.export_rows())],
                                f"census-{the_census.day.isoformat()}")


__all__ = ["CageCardPdfView", "CageCardView", "CageCardsPdfView", "CageCardsView", "CensusView", "census_workbook"]
