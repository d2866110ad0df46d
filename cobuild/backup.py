"""Backup and restore (``manage.py backup`` / ``restore``, ``make backup`` / ``make restore``).

A backup is one folder ``<BACKUP_DIR>/cobuild-YYYYmmdd-HHMMSS/`` holding

- ``database.dump`` — ``pg_dump -Fc`` of the configured PostgreSQL database (or
  ``database.sqlite3``, a copy made with SQLite's online backup, for the embedded database);
- ``media.tar.gz`` — the files under ``MEDIA_ROOT`` (photos, generated workbooks);
- ``manifest.json`` — when, from where, and the row count of every table, counted in the very
  snapshot the dump was taken from (PostgreSQL: ``pg_dump --snapshot``), so a restore can prove
  it got every row.

The database is dumped first and the files after, so every file a dumped row names is in the
tar (a later file is only an orphan, which ``clean_orphans`` removes). Photos kept in object
storage (``S3_BUCKET``) are not in the tar: back the bucket up with its own tools.

``restore`` loads a backup into a *fresh* database (no tables) and an empty media folder —
by default the configured ones — then counts the rows again and compares them with the
manifest. It refuses to overwrite anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump/pg_restore with fixed argument lists  # nosec B404
import tarfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

DUMP_PG = "database.dump"
DUMP_SQLITE = "database.sqlite3"
MEDIA_TAR = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A problem to print as it is (Chinese)."""


# --- where: the configured database as libpq / sqlite sees it ------------------------------------

@dataclass(frozen=True)
class Target:
    vendor: str          # "postgresql" or "sqlite"
    name: str            # database name, or the SQLite file path
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> Target:
        d = connections[alias].settings_dict
        vendor = connections[alias].vendor
        if vendor not in ("postgresql", "sqlite"):
            raise BackupError(f"不支持备份 {vendor} 数据库。")
        return cls(vendor, str(d["NAME"]), str(d.get("HOST") or ""), str(d.get("PORT") or ""),
                   str(d.get("USER") or ""), str(d.get("PASSWORD") or ""))

    @classmethod
    def from_url(cls, url: str) -> Target:
        """A DATABASE_URL as the settings read it (django-environ)."""
        import environ

        try:
            d = environ.Env.db_url_config(url)
        except Exception:  # noqa: BLE001 - any unreadable URL
            d = {"ENGINE": ""}
        vendor = {"django.db.backends.postgresql": "postgresql",
                  "django.db.backends.sqlite3": "sqlite"}.get(d["ENGINE"])
        if vendor is None:
            raise BackupError(f"无法识别的数据库地址:{url.split(':', 1)[0]}://…(支持 postgres:// 和 sqlite:///)")
        return cls(vendor, str(d["NAME"]), str(d["HOST"] or ""), str(d["PORT"] or ""), str(d["USER"] or ""),
                   str(d["PASSWORD"] or ""))

    def label(self) -> str:
        return self.name if self.vendor == "sqlite" else f"{self.host or 'localhost'}:{self.port or 5432}/{self.name}"

    # libpq: the password through the environment, never on a command line
    def env(self) -> dict:
        env = {**os.environ}
        for key, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user),
                           ("PGPASSWORD", self.password), ("PGDATABASE", self.name)):
            if value:
                env[key] = value
        return env

    def connect(self):
        if self.vendor == "sqlite":
            return sqlite3.connect(self.name)
        import psycopg2

        kwargs = {"dbname": self.name, "host": self.host or None, "port": self.port or None,
                  "user": self.user or None, "password": self.password or None}
        return psycopg2.connect(**{k: v for k, v in kwargs.items() if v is not None})


def _tables(conn, vendor: str) -> list[str]:
    with closing(conn.cursor()) as cur:
        if vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        else:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        return [r[0] for r in cur.fetchall()]


def table_counts(conn, vendor: str) -> dict[str, int]:
    """The exact row count of every table (in the connection's current snapshot)."""
    counts = {}
    with closing(conn.cursor()) as cur:
        for table in _tables(conn, vendor):
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # names from the catalogue  # nosec B608
            counts[table] = cur.fetchone()[0]
    return counts


def _run(cmd: list[str], env: dict, what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"找不到 {cmd[0]}:请安装与数据库服务器同一主版本的 PostgreSQL 客户端(postgresql-client)。")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)  # fixed argv  # nosec B603
    if proc.returncode != 0:
        raise BackupError(f"{what}失败:{proc.stderr.strip() or proc.stdout.strip()}")


# --- backup --------------------------------------------------------------------------------------

def backup(*, output_dir: Path | None = None, media_root: Path | None = None, now=None,
           target: Target | None = None) -> Path:
    """Write a backup folder and return it."""
    target = target or Target.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output_dir = Path(output_dir or settings.BACKUP_DIR)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = output_dir / f"cobuild-{stamp}"
    if folder.exists():
        raise BackupError(f"备份目录 {folder} 已存在。")
    partial = output_dir / f".partial-cobuild-{stamp}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        if target.vendor == "postgresql":
            counts = _dump_postgresql(target, partial / DUMP_PG)
        else:
            counts = _dump_sqlite(target, partial / DUMP_SQLITE)
        files = _tar_media(media_root, partial / MEDIA_TAR)
        manifest = {
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "database": {"vendor": target.vendor, "name": target.label(),
                         "file": DUMP_PG if target.vendor == "postgresql" else DUMP_SQLITE},
            "tables": counts,
            "media": {"root": str(media_root), "file": MEDIA_TAR, "files": files,
                      "object_storage": _object_storage()},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.rename(folder)  # a folder named cobuild-… is always a complete backup
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def _object_storage() -> bool:
    return "s3" in settings.STORAGES["default"]["BACKEND"].lower()


def _dump_postgresql(target: Target, path: Path) -> dict[str, int]:
    """pg_dump in the snapshot of an open repeatable-read transaction that also counts the rows."""
    with closing(target.connect()) as conn:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with closing(conn.cursor()) as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
        counts = table_counts(conn, "postgresql")
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}", target.name],
             target.env(), "pg_dump 备份数据库")
        conn.rollback()
    return counts


def _dump_sqlite(target: Target, path: Path) -> dict[str, int]:
    if not Path(target.name).is_file():
        raise BackupError(f"找不到数据库文件 {target.name}。")
    with closing(sqlite3.connect(target.name)) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)  # SQLite's online backup: a consistent copy even while the site writes
    with closing(sqlite3.connect(path)) as copy:
        return table_counts(copy, "sqlite")


def _tar_media(media_root: Path, path: Path) -> int:
    files = 0
    with tarfile.open(path, "w:gz") as tar:
        if media_root.is_dir():
            for p in sorted(media_root.rglob("*")):
                if p.is_file() and not p.is_symlink():
                    tar.add(p, arcname=p.relative_to(media_root).as_posix(), recursive=False)
                    files += 1
    return files


# --- restore -------------------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} 不是完整的备份(没有 {MANIFEST})。") from None


def check_fresh(target: Target, media_root: Path) -> None:
    """Refuse a database that has tables or a media folder that has files."""
    if target.vendor == "sqlite":
        if Path(target.name).exists() and Path(target.name).stat().st_size > 0:
            raise BackupError(f"数据库文件 {target.name} 已存在。恢复只写入新的数据库:请换一个文件名,或先移走它。")
    else:
        try:
            with closing(target.connect()) as conn:
                tables = _tables(conn, "postgresql")
        except Exception as exc:  # noqa: BLE001 - psycopg2's OperationalError, shown as it is
            raise BackupError(f"无法连接目标数据库 {target.label()}:{exc}。请先用 createdb 建一个空数据库。") from None
        if tables:
            raise BackupError(f"目标数据库 {target.label()} 不是空的(已有 {len(tables)} 张表)。"
                              "恢复只写入新建的空数据库:请先 createdb 一个新库。")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"文件目录 {media_root} 不是空的。恢复只写入空目录:请换一个目录,或先移走它。")


def restore(folder: Path, *, target: Target | None = None, media_root: Path | None = None) -> dict:
    """Load the backup into the fresh ``target`` and ``media_root``; returns
    ``{"tables": n, "rows": n, "files": n, "mismatches": [...]}`` after counting again."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    target = target or Target.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if manifest["database"]["vendor"] != target.vendor:
        raise BackupError(f"备份来自 {manifest['database']['vendor']} 数据库,不能恢复到 {target.vendor} 数据库。")
    check_fresh(target, media_root)
    if target.vendor == "postgresql":
        _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
              f"--dbname={target.name}", str(folder / DUMP_PG)], target.env(), "pg_restore 恢复数据库")
    else:
        Path(target.name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / DUMP_SQLITE, target.name)
    files = _untar_media(folder / MEDIA_TAR, media_root)
    with closing(target.connect()) as conn:
        counts = table_counts(conn, target.vendor)
    expected = manifest["tables"]
    mismatches = [(t, expected.get(t), counts.get(t)) for t in sorted(set(expected) | set(counts))
                  if expected.get(t) != counts.get(t)]
    if files != manifest["media"]["files"]:
        mismatches.append(("(media files)", manifest["media"]["files"], files))
    return {"tables": len(counts), "rows": sum(counts.values()), "files": files, "mismatches": mismatches}


def _untar_media(path: Path, media_root: Path) -> int:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        if hasattr(tarfile, "data_filter"):
            tar.extractall(media_root, members=members, filter="data")
        else:  # pragma: no cover - Python without extraction filters: refuse unsafe names ourselves
            for m in members:
                if m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise BackupError(f"备份中的文件名不安全:{m.name}")
            tar.extractall(media_root, members=members)  # names checked above  # nosec B202
    return len(members)
