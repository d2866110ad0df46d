"""Summary upkeep hooks. Records themselves are re-scoped and handed to ``rollup.on_records`` by
``organizations.records`` (its own signals); an activity's outcome values live in another table,
so a change there marks the activity changed too (once per batch)."""

from django.db.models.signals import post_delete, post_save

from campaigns.models import ActivityOutcome
from organizations import records

from . import rollup  # noqa: F401  (registers the summary listener)


def _outcome_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return  # loaddata: the fixture carries the summary rows as they were dumped
    records.changed("activity", instance.activity_id)


def connect():
    post_save.connect(_outcome_changed, sender=ActivityOutcome, dispatch_uid="metrics-save-outcome")
    post_delete.connect(_outcome_changed, sender=ActivityOutcome, dispatch_uid="metrics-delete-outcome")
