"""The `colonies` namespace: production pages under /production/ (`colonies.production.urls`) and colony-management
pages under /colony/ (`colonies.husbandry.urls`, which includes genotyping).

Names follow `<model>_<list|detail|create|update|abort>` in the one `colonies` namespace.
"""
from django.urls import include, path

app_name = "colonies"
urlpatterns = [
    path("production/", include("colonies.production.urls")),
    path("colony/", include("colonies.husbandry.urls")),
]
