from django.apps import AppConfig


class DccConfig(AppConfig):
    name = "procedures.dcc"
    label = "dcc"
    verbose_name = "DCC submission"
