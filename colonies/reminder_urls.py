"""The to-do page and its buttons, included by `colonies.husbandry_urls` (so inside the `colonies` namespace)."""
from django.urls import path

from colonies import reminder_views as views

urlpatterns = [
    path("todo/", views.TodoView.as_view(), name="todo"),
    path("todo/<int:pk>/done/", views.ReminderDoneView.as_view(), name="reminder_done"),
    path("todo/<int:pk>/reopen/", views.ReminderReopenView.as_view(), name="reminder_reopen"),
]
