from rest_framework.routers import DefaultRouter

from colonies.api import genotyping, husbandry, views

router = DefaultRouter()
router.register("plans", views.PlanViewSet)
router.register("es-cells", views.EsCellViewSet)
router.register("microinjections", views.MicroInjectionViewSet)
router.register("colonies", views.ColonyViewSet)
router.register("allele-modifications", views.AlleleModificationViewSet)
router.register("phenotyping-attempts", views.PhenotypingAttemptViewSet)
router.register("mice", views.MouseViewSet)
router.register("rooms", husbandry.RoomViewSet)
router.register("racks", husbandry.RackViewSet)
router.register("cages", husbandry.CageViewSet)
router.register("matings", husbandry.MatingViewSet)
router.register("litters", husbandry.LitterViewSet)
router.register("genotypes", genotyping.GenotypeResultViewSet)
router.register("genotyping-assays", genotyping.GenotypingAssayViewSet)
router.register("zygosity-rules", genotyping.ZygosityRuleViewSet)
urlpatterns = router.urls
