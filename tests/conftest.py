import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Background jobs run inside the request that starts them (django-tasks' immediate backend),
    so a page test sees the finished job. tests/organizations/test_jobs.py runs them through the
    database backend and the worker's own code instead (``db_tasks``)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def restore_indicator_catalogue():
    """Transactional tests (browser journeys, concurrency) flush the database between tests and so
    drop the catalogue the data migration shipped: put it back."""
    from campaigns.catalogue import CATALOGUE
    from campaigns.models import Indicator

    for order, code, name, unit, kind, definition, cap, money in CATALOGUE:
        Indicator.objects.update_or_create(code=code, defaults={
            "order": order, "name": name, "unit": unit, "kind": kind, "definition": definition,
            "max_per_activity": cap, "is_money": money, "active": True})


@pytest.fixture(autouse=True)
def _private_upload_temp_dir(settings, tmp_path_factory):
    """Spooled uploads go to a directory of the test's own, so ``clean_orphans`` (also run by
    ``prune_jobs``) never looks at the machine's shared temporary directory."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path_factory.mktemp("upload-tmp"))
