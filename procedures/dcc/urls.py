"""DCC pages, mounted at /dcc/."""
from django.urls import path

from procedures.dcc import views

app_name = "dcc"
urlpatterns = [
    path("submissions/", views.SubmissionListView.as_view(), name="submission_list"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
]
