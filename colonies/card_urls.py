"""Cage cards and the census, mounted under /colony/ by `colonies.husbandry_urls` (in the `colonies` namespace)."""
from django.urls import path

from colonies import card_views

urlpatterns = [
    path("cages/<int:pk>/card/", card_views.CageCardView.as_view(), name="cage_card"),
    path("cages/<int:pk>/card.pdf", card_views.CageCardPdfView.as_view(), name="cage_card_pdf"),
    path("cages/cards/", card_views.CageCardsView.as_view(), name="cage_cards"),
    path("cages/cards.pdf", card_views.CageCardsPdfView.as_view(), name="cage_cards_pdf"),
    path("census/", card_views.CensusView.as_view(), name="census"),
]
