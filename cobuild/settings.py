"""The one settings module, driven by environment variables (see README, "Configuration")."""

import sys
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# The test suite (pytest, `manage.py test`) runs with DEBUG unset: it may use the development key.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
# Published in this file, so never good enough for a server that is not DEBUG.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-only-for-local-use-change-me-in-production-0123456789"  # published on purpose: a server refuses it  # nosec B105
SECRET_KEY = env("SECRET_KEY", default="")
# No key, or the published one: fine for DEBUG, the tests and one-off commands (import_data,
# export_metrics …), but a server refuses to start on it (cobuild.wsgi, so gunicorn and runserver)
# and `check --deploy` fails (cobuild.apps).
SECRET_KEY_PUBLISHED = not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY
if SECRET_KEY_PUBLISHED:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "cobuild.errors.csrf_failure"  # Chinese page with the menu, not Django's English one

# HTTPS hardening: one switch for a deployment behind TLS (README, "Deploy"). Not called HTTPS: that
# is the CGI variable `runserver` itself reads from the environment.
HTTPS = env.bool("SECURE_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions end 12 hours after the sign-in however active (the absolute cap) and after 30 minutes
# without a request (cobuild.security.SessionPolicyMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_MINUTES", default=30) * 60

# Second factor (django-otp: TOTP app plus ten one-time recovery codes; README, 双因素认证).
# Anyone who can open the admin (staff, superusers) and county admins must enrol when REQUIRE_2FA
# is on: by default in production (DEBUG=0), off for `make demo`/`make bench` (DEBUG=1) and the
# test suite, so the demo accounts log in with their password. Whoever has enrolled is asked for
# the code at every login either way.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not (DEBUG or TESTING))
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="党群共建工作平台")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content-Security-Policy (django-csp): scripts only from our own static files (no inline script,
# no on* attributes, no CDN). Styles allow 'unsafe-inline': a few templates carry a small <style>
# block and style="" attributes (widths of progress bars, chart colours) and the admin sets some;
# none of them takes user input, and styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],  # blob: the phone form previews the photos it shrank
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

INSTALLED_APPS = [
    "cobuild.admin_site.CobuildAdminConfig",  # django.contrib.admin with the second-factor check
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "organizations",
    "pairings",
    "campaigns",
    "people",
    "metrics",
    "notices",
    "creation",
    "demo",  # the top layer: seed_demo, demo_csv (imports every app; none imports it)
    "cobuild",  # no models: the cache table after migrate, checks of the scale-out settings
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cobuild.security.SessionPolicyMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cobuild.uploads.RequestSizeLimitMiddleware",  # before anything reads a multipart body
    # A NUL byte in the path, a query or a form, or an admin date filter out of range, answers 400
    # before any view or the admin sees it.
    "cobuild.params.BadInputMiddleware",
    "organizations.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "cobuild.replica.ReplicaPinMiddleware",
    "cobuild.security.PrivateCacheMiddleware",
]

ROOT_URLCONF = "cobuild.urls"
WSGI_APPLICATION = "cobuild.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.navigation",
                "pairings.context_processors.navigation",
                "campaigns.context_processors.navigation",
                "notices.context_processors.navigation",
            ],
            # ``user|may_open:obj`` in every template: a link only where its page would open
            "builtins": ["organizations.templatetags.links"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A read replica (README, "部署"): the dashboards read from it through cobuild.replica (writes and
# reads right after a write stay on default). Without DATABASE_REPLICA_URL the router is a no-op.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].update(CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"], CONN_HEALTH_CHECKS=True,
                                TEST={"MIRROR": "default"})
DATABASE_ROUTERS = ["cobuild.replica.ReplicaRouter"]
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)

# Cache and sessions shared by every server: Redis when REDIS_URL is set (sessions in the database
# with a cache in front), else a table in the database (created by migrate: cobuild.apps).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "cobuild"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                          "LOCATION": "cobuild_cache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cobuild.passwords.MinimumLengthValidator"},  # Django's, with a Chinese message
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account+address pair out after repeated failed logins, and an address after many failures
# across accounts (password spraying): django-axes with cobuild.login_guard.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Failed logins are counted in the database (axes' default handler), so the lockout holds across
# servers; behind the proxy the client's address is the one nginx saw (cobuild.proxy).
AXES_HANDLER = "cobuild.login_guard.LoginGuardHandler"
if env.bool("BEHIND_PROXY", default=False):
    AXES_CLIENT_IP_CALLABLE = "cobuild.proxy.client_ip"
# How many proxies of ours stand in front of gunicorn (nginx alone: 1), and the header each appends
# the address it saw to; the client is that many entries from the right (cobuild.proxy).
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="X-Forwarded-For")

LANGUAGE_CODE = "zh-hans"
# Chinese only: the admin, messages and forms speak Chinese whatever the browser asks for.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# `make backup` / `manage.py backup` writes its timestamped folders here (README, "备份与恢复").
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")
# Photos (and any file the portal writes) go through the storage API: MEDIA_ROOT by default (on
# several servers, a shared mount), or S3-compatible object storage when S3_BUCKET is set. The
# S3 backend (django-storages) is only imported when first used; it needs boto3, which such a
# deployment installs (README, "部署"; `check` says so when it is missing). Keep the bucket
# private: photos are served only through the scoped view, never by their URL.
if env("S3_BUCKET", default=""):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env("S3_BUCKET"),
        "endpoint_url": env("S3_ENDPOINT_URL", default=None),
        "access_key": env("S3_ACCESS_KEY", default=None),
        "secret_key": env("S3_SECRET_KEY", default=None),
        "region_name": env("S3_REGION", default=None),
        "location": env("S3_PREFIX", default=""),
        "addressing_style": env("S3_ADDRESSING_STYLE", default=None),
    }}

# History is kept for every change; reverting from the admin would bypass the services.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Imports: the largest file a person may upload on the web import page.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
# Spreadsheets are checked before they are parsed (cobuild.importing.inspect_xlsx): the data rows
# of one import (the header not counted; CSV too), the cells of the first sheet, the unpacked size
# of the whole file, of its shared strings and of each sheet.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=4_000_000)
IMPORT_MAX_UNZIPPED_BYTES = env.int("IMPORT_MAX_UNZIPPED_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_SHARED_STRINGS_BYTES = env.int("IMPORT_MAX_SHARED_STRINGS_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_SHEET_BYTES = env.int("IMPORT_MAX_SHEET_BYTES", default=150 * 1024 * 1024)
# Uploaded files and their parsed rows are kept this long after upload; `prune_jobs` empties them.
IMPORT_KEEP_DAYS = env.int("IMPORT_KEEP_DAYS", default=7)
# Activity photos: bytes per file, pixels (width × height, read from the header before decoding).
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)
PHOTOS_PER_ACTIVITY = 9
# The whole body of a file upload (cobuild.uploads.RequestSizeLimitMiddleware answers 413 above
# it): one activity's photos, or one import file, plus 1 MB for the form's other fields.
UPLOAD_MAX_REQUEST_BYTES = env.int(
    "UPLOAD_MAX_REQUEST_BYTES",
    default=max(PHOTOS_PER_ACTIVITY * PHOTO_MAX_BYTES, IMPORT_MAX_BYTES) + 1024 * 1024)

# Background work (imports, big workbooks, the metrics rebuild) through django-tasks (README,
# "Background work"): the database backend by default, so `make demo` needs only `db_worker`;
# TASKS_BACKEND=rq puts the queue in Redis (REDIS_URL) for `rqworker --job-class django_tasks_rq.Job`.
if env("TASKS_BACKEND", default="db") == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env("REDIS_URL", default="redis://127.0.0.1:6379/0"),
                             "DEFAULT_TIMEOUT": env.int("TASK_TIMEOUT", default=3600)}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Finished jobs' files (workbooks) stay downloadable this long; `prune_jobs` deletes them after.
JOBS_KEEP_HOURS = env.int("JOBS_KEEP_HOURS", default=24)
# Once-only create forms (organizations.submissions): a form's token is remembered this long.
SUBMISSIONS_KEEP_HOURS = env.int("SUBMISSIONS_KEEP_HOURS", default=48)
# `clean_orphans` (also run by `prune_jobs`): photo files with no row and temporary upload files
# (a worker killed mid-upload) are deleted once older than this.
ORPHAN_FILES_HOURS = env.int("ORPHAN_FILES_HOURS", default=24)
# Where uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE are spooled while a request is read (default:
# the system's temporary directory); `clean_orphans` deletes the stale ones a killed worker left.
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)
# Workbooks estimated above this many rows are built by the worker (progress page, download).
EXPORT_DIRECT_MAX_ROWS = env.int("EXPORT_DIRECT_MAX_ROWS", default=2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Daily digests (``send_digests``, README "提醒与每日摘要"): the channels each user's inbox summary is
# sent through, in order. "email" uses Django's mail backend (EMAIL_BACKEND, EMAIL_HOST …) to the
# user's e-mail address; "sms" the SMS backend below to the user's phone. The demo's SMS backend
# only writes the message to the log; a deployment names its gateway's class (same interface:
# ``send(phone, text) -> bool``).
NOTIFY_CHANNELS = env.list("NOTIFY_CHANNELS", default=["email", "sms"])
SMS_BACKEND = env("SMS_BACKEND", default="notices.channels.LoggingSmsBackend")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend" if DEBUG
                    else "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cobuild@localhost")
# Notice attachments and reply files: bytes per file, files per notice or reply.
NOTICE_FILE_MAX_BYTES = env.int("NOTICE_FILE_MAX_BYTES", default=10 * 1024 * 1024)
NOTICE_FILES_MAX = env.int("NOTICE_FILES_MAX", default=5)

# A public 公示 page (campaigns.boards) is cached this long; withdrawing a board drops it at once.
PUBLIC_BOARD_CACHE_SECONDS = env.int("PUBLIC_BOARD_CACHE_SECONDS", default=60)
