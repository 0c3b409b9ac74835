app_name = "dcc"
urlpatterns = []
