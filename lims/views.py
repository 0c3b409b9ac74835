from django.http import JsonResponse
from django.views.generic import TemplateView


class DashboardView(TemplateView):
    template_name = "dashboard.html"


def health(request):
    return JsonResponse({"database": "ok"})
