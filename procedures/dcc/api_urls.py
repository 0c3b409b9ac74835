from rest_framework.routers import DefaultRouter

from procedures.dcc.api import SubmissionViewSet

router = DefaultRouter()
router.register("dcc-submissions", SubmissionViewSet)
urlpatterns = router.urls
