"""Concurrency checks: real threads, each with its own database connection, against committed
data. They need PostgreSQL (SQLite serialises every writer) and run once, in the PostgreSQL pass
of CI (`-m concurrency`)."""

import pytest
from django.db import connection


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/concurrency/" in str(item.fspath):
            item.add_marker(pytest.mark.concurrency)


@pytest.fixture(autouse=True)
def _postgresql_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency checks need PostgreSQL (DATABASE_URL=postgres://…)")
    from tests.conftest import restore_indicator_catalogue

    restore_indicator_catalogue()
