from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed so that Django finds `bench`, `seed_scale`, `loadtest` and `load_demo`: it looks for commands only
    in the `management/commands` of installed apps. No models, so no migrations and no tables."""

    name = "lims.bench"
    label = "lims_bench"
    verbose_name = "LIMS bench and demo data"
