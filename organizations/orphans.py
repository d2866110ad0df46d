"""Files nothing refers to: cleaned by ``clean_orphans`` (and by ``prune_jobs``, hourly).

A photo is written to the storage before its row is committed, and a workbook before its job is
saved; a worker killed in between (or a transaction rolled back) leaves a file that no row names.
A request killed while Django spooled a large upload leaves its temporary file
(``tmp….upload.jpg`` in ``FILE_UPLOAD_TEMP_DIR`` or the system's temporary directory). Both are
deleted once older than ``ORPHAN_FILES_HOURS`` (a file younger than that may belong to a
transaction still running). The folders are those of every model's file fields (their
``upload_to``), found through the app registry, so a new kind of file is covered when its model
is; nothing outside them is touched. Works through the storage API (``MEDIA_ROOT`` or object
storage).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)

CHECK_BATCH = 1000  # names looked up per query


@dataclass
class Cleaned:
    files: list[str] = field(default_factory=list)   # storage names deleted (or that would be)
    temps: list[str] = field(default_factory=list)   # temporary upload paths deleted
    kept_young: int = 0                              # unreferenced but younger than the cut-off


def _file_fields():
    """(model, field name, top folder) of every concrete file field with a storage folder."""
    for model in apps.get_models():
        if model._meta.label_lower.startswith("simple_history") or getattr(model, "instance_type", None):
            continue  # historical copies name files their live rows own (or owned)
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.FileField):
                continue
            try:
                sample = f.generate_filename(None, "x.jpg")
            except Exception:  # noqa: BLE001 - an upload_to needing an instance: skip it
                logger.warning("clean_orphans: cannot tell the folder of %s.%s", model._meta.label, f.name)
                continue
            top = sample.replace("\\", "/").split("/", 1)[0]
            if top and top != sample:
                yield model, f.name, top


def _walk(storage, folder: str):
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for d in dirs:
        yield from _walk(storage, f"{folder}/{d}")


def _unreferenced(names: list[str], owners: list[tuple]) -> list[str]:
    known: set[str] = set()
    for model, name, _ in owners:
        known.update(model._default_manager.filter(**{f"{name}__in": names}).values_list(name, flat=True))
    return [n for n in names if n not in known]


def orphans_clean(*, hours: float | None = None, dry_run: bool = False, storage=None,
                  temp_dir: str | None = None) -> Cleaned:
    hours = settings.ORPHAN_FILES_HOURS if hours is None else hours
    storage = storage or default_storage
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    out = Cleaned()
    folders: dict[str, list[tuple]] = {}
    for owner in _file_fields():
        folders.setdefault(owner[2], []).append(owner)
    for folder, owners in sorted(folders.items()):
        if not storage.exists(folder):
            continue
        batch: list[str] = []
        for name in _walk(storage, folder):
            batch.append(name)
            if len(batch) >= CHECK_BATCH:
                _delete_old(storage, _unreferenced(batch, owners), cutoff, dry_run, out)
                batch = []
        if batch:
            _delete_old(storage, _unreferenced(batch, owners), cutoff, dry_run, out)
    _clean_temps(temp_dir or settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir(), hours, dry_run, out)
    return out


def _delete_old(storage, names, cutoff, dry_run, out: Cleaned) -> None:
    for name in names:
        try:
            modified = storage.get_modified_time(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified)
        if modified > cutoff:
            out.kept_young += 1
            continue
        if not dry_run:
            storage.delete(name)
        out.files.append(name)


def _clean_temps(directory: str, hours: float, dry_run: bool, out: Cleaned) -> None:
    """Django's spooled uploads (``tmp*.upload*``) left by a killed request, owned by this user."""
    limit = time.time() - hours * 3600
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith("tmp") and ".upload" in entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not entry.is_file(follow_symlinks=False) or st.st_uid != os.getuid() or st.st_mtime > limit:
                continue
            if not dry_run:
                os.unlink(entry.path)
        except OSError:
            continue
        out.temps.append(entry.path)
