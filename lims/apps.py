from django.apps import AppConfig


class LimsConfig(AppConfig):
    name = "lims"
    verbose_name = "LIMS core"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from lims import checks  # noqa: F401  (registers system checks)
        from lims.tokens import token_cache_invalidate

        # A revoked token, or a changed or deleted user, is never served from the token cache again.
        for model in (Token, get_user_model()):
            for signal in (post_save, post_delete):
                signal.connect(token_cache_invalidate, sender=model, dispatch_uid=f"token-cache-{model.__name__}")
