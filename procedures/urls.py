"""Phenotyping pages, mounted at /phenotyping/."""
from django.urls import path

from procedures import views

app_name = "procedures"
urlpatterns = [
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("scheduled-tests/", views.ScheduledTestListView.as_view(), name="scheduledtest_list"),
    path("scheduled-tests/<int:pk>/", views.ScheduledTestDetailView.as_view(), name="scheduledtest_detail"),
    path("scheduled-tests/<int:pk>/record/", views.ExperimentRecordView.as_view(), name="experiment_record"),
    path("experiments/", views.ExperimentListView.as_view(), name="experiment_list"),
    path("experiments/<int:pk>/", views.ExperimentDetailView.as_view(), name="experiment_detail"),
]
