"""`backup` / `restore` of an embedded SQLite database (a file of its own here, whatever the test
database is), the confirmation and the refusals. The PostgreSQL round trip with the portal's own
data is tests/concurrency/test_backup_restore.py."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing

import pytest
from django.core.management import CommandError, call_command

from cobuild.backup import Target, backup, restore


@pytest.fixture
def site(tmp_path):
    db = tmp_path / "site.sqlite3"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE activity (id INTEGER PRIMARY KEY, title TEXT)")
        conn.executemany("INSERT INTO activity (title) VALUES (?)", [("主题党日",), ("送科技下乡",)])
        conn.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY)")
        conn.commit()
    media = tmp_path / "media"
    (media / "activity-photos" / "2026" / "01").mkdir(parents=True)
    (media / "activity-photos" / "2026" / "01" / "a.jpg").write_bytes(b"\xff\xd8photo")
    return Target("sqlite", str(db)), media


def test_sqlite_backup_and_restore_round_trip(site, tmp_path):
    target, media = site
    folder = backup(output_dir=tmp_path / "backups", media_root=media, target=target)
    assert folder.name.startswith("cobuild-")
    out = restore(folder, target=Target("sqlite", str(tmp_path / "new" / "db.sqlite3")),
                  media_root=tmp_path / "new-media")
    assert out == {"tables": 2, "rows": 2, "files": 1, "mismatches": []}
    assert (tmp_path / "new-media" / "activity-photos" / "2026" / "01" / "a.jpg").read_bytes() == b"\xff\xd8photo"
    with closing(sqlite3.connect(tmp_path / "new" / "db.sqlite3")) as conn:
        assert [r[0] for r in conn.execute("SELECT title FROM activity ORDER BY id")] == ["主题党日", "送科技下乡"]


def test_restore_asks_first_and_never_overwrites(site, tmp_path, monkeypatch):
    target, media = site
    folder = backup(output_dir=tmp_path / "backups", media_root=media, target=target)
    args = [str(folder), "--database-url", f"sqlite:///{tmp_path}/r.sqlite3", "--media-root", str(tmp_path / "r")]
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", *args, stdout=io.StringIO())
    assert not (tmp_path / "r.sqlite3").exists()
    with pytest.raises(CommandError, match="已存在"):
        call_command("restore", str(folder), "--database-url", f"sqlite:///{target.name}", "--media-root",
                     str(tmp_path / "r"), "--yes", stdout=io.StringIO())
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", *args[:3], "--media-root", str(media), "--yes", stdout=io.StringIO())
    with pytest.raises(CommandError, match="不是完整的备份"):
        call_command("restore", str(tmp_path), "--yes", stdout=io.StringIO())
