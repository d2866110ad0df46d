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


# --- one seed_demo run shared by the tests that read the demo -----------------------------------
#
# seed_demo takes most of a minute. The tests of the demo (tests/*/test_demo_*.py, test_commands,
# test_seed004, test_seed_pairings) ask for ``seeded_demo`` instead of running it first each: it
# runs once, inside a transaction left open around those tests (each test's own transaction is a
# savepoint in it, so what a test writes, a second seed_demo run included, is undone after it),
# and is rolled back before the first test that does not ask for it. The tests that ask for it are
# moved to the front of the run (pytest_collection_modifyitems), so one run serves them all (one
# per pytest-xdist worker that gets some).

_DEMO: dict = {}


def _demo_settings():
    """What the function-level fixtures above (and the demo tests' fast hasher) give each test."""
    from django.conf import settings

    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        "STORAGES": {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    }


def _open_demo(blocker):
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings

    overridden = override_settings(**_demo_settings())
    atomic = transaction.atomic()
    with blocker.unblock():
        overridden.enable()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            overridden.disable()
            raise
    _DEMO.update(atomic=atomic, settings=overridden, blocker=blocker, output=out.getvalue())


def _close_demo():
    if not _DEMO:
        return
    from django.db import transaction

    with _DEMO["blocker"].unblock():
        transaction.set_rollback(True)
        _DEMO["atomic"].__exit__(None, None, None)
    _DEMO["settings"].disable()
    _DEMO.clear()


@pytest.fixture(scope="session")
def _demo_closed_at_the_end(django_db_setup):
    """Rolls the shared demo back before the test database goes (after the last test)."""
    yield
    _close_demo()


@pytest.fixture(scope="module")
def _demo_transaction(_demo_closed_at_the_end, django_db_blocker):
    if not _DEMO:
        _open_demo(django_db_blocker)


@pytest.fixture
def seeded_demo(_demo_transaction, db):
    """The demo as ``manage.py seed_demo`` leaves an empty database (run once, see above): returns
    what that first run printed."""
    if not _DEMO:
        # Rolled back already, by a test run in between (an order other than the one below, e.g.
        # after pytest-xdist moved tests): seed_demo runs in this test's own transaction.
        import io

        from django.core.management import call_command

        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        return out.getvalue()
    return _DEMO["output"]


#: The longest tests (minutes each, the URL walks), started first: pytest-xdist (``--dist load``)
#: gives them to one worker in its first chunk, the other worker takes the next chunks meanwhile.
#: (Not ``--dist worksteal``: a worker that steals after running the transactional tests, which
#: pytest-django puts last and which flush the indicator catalogue, runs the stolen ones without it.)
RUN_FIRST = ("test_malformed_input_never_answers_500",)


def pytest_collection_modifyitems(items):
    """The tests of the seeded demo first, in their order (see above), then RUN_FIRST, then the rest."""
    items.sort(key=lambda item: ("seeded_demo" not in getattr(item, "fixturenames", ()),
                                 getattr(item, "originalname", "") not in RUN_FIRST))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the first test that does not read the demo (and before its fixtures), roll it back."""
    if "seeded_demo" not in getattr(item, "fixturenames", ()):
        _close_demo()


@pytest.fixture(scope="session", autouse=True)
def _postgresql_flush_by_delete():
    """Transactional tests (browser journeys, concurrency checks, the replica) empty the database
    after each test with Django's flush: on PostgreSQL one TRUNCATE of all 155 tables, which takes
    4-7 s (a new file for every table and index). Emptying them with DELETE takes under 0.1 s and
    leaves the same empty tables: every foreign key is DEFERRABLE INITIALLY DEFERRED (checked at the
    flush's commit, when all is gone) and the schema has no triggers or rules that a DELETE would
    fire. Sequences are not reset by either (reset_sequences=False); a flush that asks for it, or
    for CASCADE, keeps TRUNCATE."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate
