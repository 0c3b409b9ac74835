"""The token authentication of every API request, with the token lookup cached for the token's lifetime.

Kept apart from `lims.auth_api` (the token view): DRF reads DEFAULT_AUTHENTICATION_CLASSES while its views module is
imported, so the class must live in a module that does not import DRF views.
"""
import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def _token_cache_key(key: str) -> str:
    # The token itself is a password: the cache (Redis, when configured) sees only its hash.
    return "lims:api-token:" + hashlib.sha256(key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication with the token and its user read from the cache instead of the database.

    Every API request looked its token up (one query with the user, ~1 ms of a ~3 ms list request). The entry lives
    as long as the token does: `token_cache_invalidate` drops it when the token is deleted or replaced (revoked) and
    when its user is saved or deleted (deactivated, another role or centre, a new password), so no request is let
    in by a revoked token or served with a stale role. The entry also expires after LIMS_API_TOKEN_CACHE_SECONDS:
    without Redis every process has its own cache, and this bounds how long another process may serve a token
    revoked elsewhere (a bulk `QuerySet.update()` of users, which sends no signal, is bounded the same way).
    """

    def authenticate_credentials(self, key):
        cache_key = _token_cache_key(key)
        token = cache.get(cache_key)
        if token is None:
            user, token = super().authenticate_credentials(key)
            cache.set(cache_key, token, settings.LIMS_API_TOKEN_CACHE_SECONDS)
        return token.user, token


def token_cache_invalidate(sender, instance, **kwargs) -> None:
    """Signal receiver: drop the cached lookup of a token deleted or saved, or of every token of a user saved or
    deleted (connected in `LimsConfig.ready`)."""
    if isinstance(instance, Token):
        keys = [instance.key]
    else:
        keys = list(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True)) if instance.pk else []
    cache.delete_many([_token_cache_key(key) for key in keys if key])
