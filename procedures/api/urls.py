from rest_framework.routers import DefaultRouter

from procedures.api import views

router = DefaultRouter()
router.register("pipelines", views.PipelineViewSet)
router.register("procedures", views.ProcedureViewSet)
router.register("scheduled-tests", views.ScheduledTestViewSet)
router.register("experiments", views.ExperimentViewSet)
router.register("line-experiments", views.LineExperimentViewSet)
urlpatterns = router.urls
