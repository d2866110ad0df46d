"""Settings for several servers (README, "部署"): storage, cache, sessions, the replica alias and
the proxy's client address come from the environment; the cache table follows migrate; CSV
downloads stream."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import RequestFactory

from cobuild import proxy, streaming
from organizations.models import Unit
from tests.factories import County

SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"storage": s.STORAGES["default"], "caches": s.CACHES["default"], "session": s.SESSION_ENGINE,
                  "databases": {k: {"NAME": v["NAME"], "HOST": v["HOST"], "MIRROR": v.get("TEST", {}).get("MIRROR")}
                                for k, v in s.DATABASES.items()},
                  "routers": s.DATABASE_ROUTERS, "axes_ip": getattr(s, "AXES_CLIENT_IP_CALLABLE", None)}))
"""

SCALE_ENV = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_REGION", "REDIS_URL",
             "DATABASE_REPLICA_URL", "BEHIND_PROXY")


def run(code_or_args, **env):
    base = {k: v for k, v in os.environ.items() if k not in SCALE_ENV}
    base.update(DJANGO_SETTINGS_MODULE="cobuild.settings", DATABASE_URL="sqlite:///:memory:", DEBUG="1")
    base.update(env)
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else [sys.executable, *code_or_args]
    return subprocess.run(args, env=base, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)


def shown(**env):
    out = run(SHOW, **env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_one_server_defaults_keep_everything_in_the_database_and_media_root():
    s = shown()
    assert s["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert s["caches"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert s["session"] == "django.contrib.sessions.backends.db"
    assert list(s["databases"]) == ["default"]
    assert s["routers"] == ["cobuild.replica.ReplicaRouter"] and s["axes_ip"] is None


def test_several_servers_take_object_storage_redis_and_a_replica_from_the_environment():
    s = shown(S3_BUCKET="cobuild-photos", S3_ENDPOINT_URL="https://oss.example.gov.cn", S3_ACCESS_KEY="ak",
              S3_SECRET_KEY="sk", S3_REGION="cn-north-1", REDIS_URL="redis://10.0.0.5:6379/1",
              DATABASE_REPLICA_URL="postgres://reader:pw@10.0.0.7:5432/cobuild", BEHIND_PROXY="1")
    assert s["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert {k: s["storage"]["OPTIONS"][k] for k in ("bucket_name", "endpoint_url", "access_key", "secret_key",
                                                    "region_name")} == {
        "bucket_name": "cobuild-photos", "endpoint_url": "https://oss.example.gov.cn", "access_key": "ak",
        "secret_key": "sk", "region_name": "cn-north-1"}
    assert s["caches"] == {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                           "LOCATION": "redis://10.0.0.5:6379/1", "KEY_PREFIX": "cobuild"}
    assert s["session"] == "django.contrib.sessions.backends.cached_db"
    assert s["databases"]["replica"] == {"NAME": "cobuild", "HOST": "10.0.0.7", "MIRROR": "default"}
    assert s["axes_ip"] == "cobuild.proxy.client_ip"


def test_object_storage_without_boto3_is_refused_by_check():
    out = run(["manage.py", "check"], S3_BUCKET="cobuild-photos")
    try:
        import boto3  # noqa: F401
    except ImportError:
        assert out.returncode != 0 and "cobuild.E001" in out.stderr and "boto3" in out.stderr
    else:
        assert out.returncode == 0, out.stderr


def test_the_client_address_is_the_one_nginx_appended():
    rf = RequestFactory()
    assert proxy.client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10", REMOTE_ADDR="10.0.0.2")) \
        == "192.0.2.10"
    assert proxy.client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


@pytest.mark.django_db
def test_migrate_creates_the_cache_table_the_default_cache_uses():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE cobuild_cache")
    assert "cobuild_cache" not in connection.introspection.table_names()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert "cobuild_cache" in connection.introspection.table_names()
    cache.set("greeting", "你好", 60)
    assert cache.get("greeting") == "你好"


@pytest.mark.django_db
def test_a_csv_download_streams_rows_from_a_lazy_queryset(django_assert_num_queries):
    County(villages_per_township=3)
    qs = Unit.objects.order_by("path").values_list("code", "name")
    with django_assert_num_queries(0):
        resp = streaming.csv_response(qs.iterator(chunk_size=2), "units.csv", header=["代码", "名称"], bom=True)
    assert isinstance(resp, StreamingHttpResponse)
    assert resp["Content-Type"] == "text/csv; charset=utf-8"
    assert resp["Content-Disposition"] == 'attachment; filename="units.csv"'
    chunks = list(resp.streaming_content)
    body = b"".join(chunks).decode("utf-8")
    assert body.startswith("\ufeff代码,名称\n")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1:] == [list(r) for r in qs]
    assert len(chunks) == 2 + qs.count()  # BOM, header, then one line per row as it is read
