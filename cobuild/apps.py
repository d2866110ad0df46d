"""The project package as an app (no models): upkeep that belongs to no layer, and the checks of
the scale-out settings (README, "部署"). Imports no app."""

from django.apps import AppConfig, apps
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    """``migrate`` also creates the database cache's table (a no-op with Redis or when present),
    so ``make demo``, the tests and a deployment never miss it."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


def check_object_storage(app_configs=None, **kwargs):
    """With ``S3_BUCKET`` the photos live in object storage, through django-storages' S3 backend,
    which needs boto3: the deployment installs it (README, "部署")."""
    from django.conf import settings

    backend = settings.STORAGES.get("default", {}).get("BACKEND", "")
    if not backend.startswith("storages.backends.s3"):
        return []
    try:
        import boto3  # noqa: F401
    except ImportError:
        return [checks.Error("S3_BUCKET is set but boto3 is not installed.",
                             hint="pip install boto3 (README, 部署), or unset S3_BUCKET to keep files in MEDIA_ROOT.",
                             id="cobuild.E001")]
    return []


PUBLISHED_KEY_MESSAGE = (
    "SECRET_KEY is not set (or is the development key published in cobuild/settings.py) and DEBUG is off: "
    "set SECRET_KEY to a long random value, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))', "
    "or DEBUG=1 for local development. 生产环境必须设置 SECRET_KEY。")


def refuse_published_key():
    """A server (cobuild.wsgi: gunicorn, runserver) must not run on a key anyone can read."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.SECRET_KEY_PUBLISHED and not (settings.DEBUG or settings.TESTING):
        raise ImproperlyConfigured(PUBLISHED_KEY_MESSAGE)


def check_secret_key(app_configs=None, **kwargs):
    """``check --deploy`` fails on the published development key (Django's own check accepts it:
    it is long and random-looking)."""
    from django.conf import settings

    if settings.SECRET_KEY_PUBLISHED:
        return [checks.Error(PUBLISHED_KEY_MESSAGE, id="cobuild.E002")]
    return []


class CobuildConfig(AppConfig):
    name = "cobuild"
    verbose_name = "cobuild"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=apps.get_app_config("sessions"),
                             dispatch_uid="cobuild.create_cache_table")
        checks.register(check_object_storage, checks.Tags.compatibility, deploy=False)
        checks.register(check_secret_key, checks.Tags.security, deploy=True)
        from .security import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="cobuild.stamp_login")
