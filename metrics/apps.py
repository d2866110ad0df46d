from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "成效指标"

    def ready(self):
        from . import signals

        signals.connect()
