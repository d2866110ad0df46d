"""``clean_orphans`` (and ``prune_jobs``): photo and workbook files that no row names and Django's
temporary upload files, left by a worker killed mid-upload, are deleted once old enough; files
that rows name, young files and anything outside the file fields' folders are kept."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from campaigns.models import ActivityPhoto
from tests.campaigns.activity_world import World, image_bytes, media  # noqa: F401

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_orphan_photos_and_stale_temp_files_are_deleted(media, settings):  # noqa: F811
    w = World()
    kept = w.log(photos=1).photos.get()
    # A worker killed between writing the photo file and committing its row: a file with no row.
    orphan = default_storage.save("activity-photos/2026/01/dead.jpg", ContentFile(image_bytes()))
    young = default_storage.save("activity-photos/2026/01/in-flight.jpg", ContentFile(image_bytes()))
    job_orphan = default_storage.save("jobs/2026/01/lost.xlsx", ContentFile(b"PK"))
    elsewhere = default_storage.save("notes/readme.txt", ContentFile(b"not ours"))
    for name in (orphan, job_orphan, elsewhere, kept.image.name):
        age(Path(media) / name, 2 * DAY)
    temp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
    stale, fresh, other = temp_dir / "tmpab12.upload.jpg", temp_dir / "tmpcd34.upload.jpg", temp_dir / "keep.txt"
    for p in (stale, fresh, other):
        p.write_bytes(b"x")
    age(stale, 2 * DAY)
    age(other, 2 * DAY)

    out = io.StringIO()
    call_command("clean_orphans", "--dry-run", stdout=out)
    assert "将删除 2 个无记录文件、1 个上传临时文件" in out.getvalue()
    assert default_storage.exists(orphan) and stale.exists()

    out = io.StringIO()
    call_command("clean_orphans", stdout=out)
    assert "已删除 2 个无记录文件、1 个上传临时文件;1 个无记录文件较新,暂时保留" in out.getvalue()
    assert not default_storage.exists(orphan) and not default_storage.exists(job_orphan) and not stale.exists()
    assert default_storage.exists(kept.image.name) and default_storage.exists(young)
    assert default_storage.exists(elsewhere) and fresh.exists() and other.exists()
    assert ActivityPhoto.objects.get() == kept

    call_command("clean_orphans", "--hours", "0", stdout=io.StringIO())
    assert not default_storage.exists(young) and default_storage.exists(kept.image.name)


def test_prune_jobs_cleans_orphans_too(media):  # noqa: F811
    orphan = default_storage.save("activity-photos/2026/01/dead.jpg", ContentFile(b"x"))
    age(Path(media) / orphan, 2 * DAY)
    out = io.StringIO()
    call_command("prune_jobs", stdout=out)
    assert "已删除 1 个无记录文件" in out.getvalue() and not default_storage.exists(orphan)
