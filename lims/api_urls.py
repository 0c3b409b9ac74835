from rest_framework.routers import DefaultRouter

from lims import api_views

router = DefaultRouter()
router.register("centres", api_views.CentreViewSet)
router.register("consortia", api_views.ConsortiumViewSet)
router.register("strains", api_views.StrainViewSet)
router.register("genes", api_views.GeneViewSet)
urlpatterns = router.urls
