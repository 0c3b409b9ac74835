"""Where a person lands after logging in: their own work first, by role.

A technician opens today's worklist, a colony manager the to-do list, a data wrangler the DCC export page, and a
centre admin (or a read-only user, or a superuser) the dashboard. A `?next=` on the login page still wins (Django's
LoginView honours it before LOGIN_REDIRECT_URL, which names this view).
"""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from lims.models import Role

LANDING: dict[str, str] = {
    Role.TECHNICIAN: "procedures:worklist",
    Role.COLONY_MANAGER: "colonies:todo",
    Role.DATA_WRANGLER: "dcc:overview",
    Role.CENTRE_ADMIN: "dashboard",
}


def landing_url_name(user) -> str:
    return "dashboard" if user.is_superuser else LANDING.get(user.role, "dashboard")


@login_required
def landing(request):
    return redirect(landing_url_name(request.user))
