"""`backup` and `restore` on PostgreSQL (README, "备份与恢复"): data built with the factories and an
activity photo, backed up (pg_dump -Fc + a tar of MEDIA_ROOT), restored into a fresh database
(unique name, dropped after) and a fresh media folder; every table has the same row count and
every file the same bytes. PostgreSQL only (tests/concurrency/conftest.py)."""

from __future__ import annotations

import io
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cobuild.backup import Target, table_counts
from tests.campaigns.activity_world import World, media  # noqa: F401
from tests.factories import make_inspection


def _admin_connection():
    import psycopg2

    d = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", host=d["HOST"] or None, port=d["PORT"] or None,
                            user=d["USER"] or None, password=d["PASSWORD"] or None)
    conn.autocommit = True
    return conn


@pytest.fixture
def fresh_database():
    """An empty database with a unique name, dropped after the test."""
    name = f"cobuild_restore_{uuid.uuid4().hex[:12]}"
    with closing(_admin_connection()) as conn, conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    source = Target.from_settings()
    target = Target("postgresql", name, source.host, source.port, source.user, source.password)
    yield target
    with closing(_admin_connection()) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def url_of(t: Target) -> str:
    return f"postgres://{t.user}{':' + t.password if t.password else ''}@{t.host or '127.0.0.1'}:{t.port or 5432}/{t.name}"


def test_backup_then_restore_into_a_fresh_database_finds_every_row_and_file(media, tmp_path,  # noqa: F811
                                                                           fresh_database):
    w = World()
    w.log(photos=2, outcomes={"households_visited": 3})
    w.log(actor="village2", unit=w.villages[1], title="另一村", photos=1)
    make_inspection(w.campaign, w.villages[0])
    with closing(Target.from_settings().connect()) as conn:
        before = table_counts(conn, "postgresql")
    assert before["campaigns_activityphoto"] == 3 and before["metrics_fact"] > 0
    photos = files_of(Path(media))
    assert len(photos) == 3

    out = io.StringIO()
    call_command("backup", "--output-dir", str(tmp_path / "backups"), stdout=out)
    folder = next((tmp_path / "backups").glob("cobuild-*"))
    assert {p.name for p in folder.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
    assert f"已备份到 {folder}" in out.getvalue()

    restored_media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command("restore", str(folder), "--database-url", url_of(fresh_database), "--media-root",
                 str(restored_media), "--yes", stdout=out)
    assert "与备份时一致" in out.getvalue()
    with closing(fresh_database.connect()) as conn:
        after = table_counts(conn, "postgresql")
    assert after == before                      # every table, every row
    assert files_of(restored_media) == photos   # every file, byte for byte

    # A restore never overwrites: the database has tables now, the folder has files.
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(folder), "--database-url", url_of(fresh_database), "--media-root",
                     str(tmp_path / "other-media"), "--yes", stdout=io.StringIO())
