app_name = "colonies"
urlpatterns = []
