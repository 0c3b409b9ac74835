"""`POST /api/v1/auth/token/`: a username and password for an API token, with the login form's lockout.

django-axes refuses a locked-out username+address inside `authenticate()` and flags the request it was given so
that its middleware answers 429. DRF hands `authenticate()` its own Request wrapper, so the flag never reached the
middleware and the caller saw DRF's "Unable to log in" 400, as for a wrong password: a script could not tell that
it had been locked out. This view answers the lockout itself, 429 with Retry-After, in the API's error shape.
"""
from django.conf import settings
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled, ValidationError


class TokenObtainView(ObtainAuthToken):
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                raise Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail=f"Too many failed logins for this username from this address: locked out for {minutes} "
                           "minutes after the last failure.",
                ) from None
            raise


obtain_auth_token = TokenObtainView.as_view()
