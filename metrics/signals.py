"""Summary upkeep (a cache of the records, so signals are the right tool): every save or delete
of a counted record refreshes its contributions inside the same transaction."""

from django.db.models.signals import post_delete, post_save

from campaigns.models import ActivityOutcome
from organizations import batching

from . import rollup

FLUSHER = "metrics"


def _changed(record_type, record_id):
    if batching.active():
        batching.defer(FLUSHER, (record_type, record_id))   # once per record, at the batch's end
    else:
        rollup.refresh(record_type, record_id)


def _flush(items):
    rollup.refresh_many(items)


def _record_changed(sender, instance, **kwargs):
    _changed(rollup._TYPE_OF[sender], instance.pk)


def _outcome_changed(sender, instance, **kwargs):
    _changed("activity", instance.activity_id)


def connect():
    batching.register_flusher(FLUSHER, _flush)
    for model in rollup.RECORD_MODELS.values():
        post_save.connect(_record_changed, sender=model, dispatch_uid=f"metrics-save-{model.__name__}")
        post_delete.connect(_record_changed, sender=model, dispatch_uid=f"metrics-delete-{model.__name__}")
    post_save.connect(_outcome_changed, sender=ActivityOutcome, dispatch_uid="metrics-save-outcome")
    post_delete.connect(_outcome_changed, sender=ActivityOutcome, dispatch_uid="metrics-delete-outcome")
