from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _derive_after_migrate(sender, using="default", **kwargs):
    """After an upgrade that emptied the derived tables (record scopes, contributions), derive
    them from the records once. A no-op (two cheap queries) when they are in place."""
    from organizations.models import RecordScope

    from . import rollup
    from .models import Contribution

    if RecordScope.objects.using(using).exists() or Contribution.objects.using(using).exists():
        return
    from organizations import records

    if any(k.model._default_manager.using(using).exists() for k in records.KINDS.values()):
        rollup.rebuild()


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "成效指标"

    def ready(self):
        from . import signals

        signals.connect()
        post_migrate.connect(_derive_after_migrate, sender=self, dispatch_uid="metrics-derive-after-migrate")
