"""Qingdan settings, read from the environment.

QINGDAN_ENV selects the mode: ``demo`` (default: SQLite under var/, demo data allowed, plain HTTP on localhost)
or ``production`` (a secret key and allowed hosts must be given, cookies are secure, demo accounts are refused).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("QINGDAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

QINGDAN_ENV = os.environ.get("QINGDAN_ENV", "demo")
PRODUCTION = QINGDAN_ENV == "production"
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"


def _secret_key() -> str:
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    if PRODUCTION:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when QINGDAN_ENV=production")
    # Demo mode: one random key per installation, kept under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "core",
    "regions",
    "accounts",
    "legal",
    "worklists",
    "admission",
    "reporting",
    "assessment",
    "certificates",
    "supervision",
    "textmatch",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AdminOTPMiddleware",
    "core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "django.template.context_processors.i18n",
                "core.context_processors.qingdan",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "qingdan.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work side by side; IMMEDIATE avoids lock upgrades that fail mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run 5 times on a connection prepared there: the few small
    # lookups every API request makes (token, memberships, channel) then skip PostgreSQL's planning, which cost more
    # than running them (a burst of submissions: a third of the database's CPU). Behind PgBouncer in transaction
    # mode, set DB_PREPARE_THRESHOLD=0 (or PgBouncer's max_prepared_statements); see deploy/README.md.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "server_side_binding": True,
        "prepare_threshold": int(os.environ.get("DB_PREPARE_THRESHOLD", "5")) or None,
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs -------------------------------------------------------------------------------------------
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qingdan"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Without a broker, jobs run in-process at once: the embedded default needs no services.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# --- Auth and sessions ----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.QingdanBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"

SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(15 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

OTP_REQUIRED_FOR_ADMINS = os.environ.get("OTP_REQUIRED_FOR_ADMINS", "1") == "1"
OTP_TOTP_ISSUER = "Qingdan"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"

# --- Security headers -----------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Secure-sessionid"
    CSRF_COOKIE_NAME = "__Secure-csrftoken"

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_REQUEST_BYTES", str(5 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Language -------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and os.environ.get("QINGDAN_MANIFEST_STATIC", "1") == "1"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------------------------
FILTERS_EMPTY_CHOICE_LABEL = _("All")  # list filters start on 全部, not django-filter's "---------"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tokenauth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"public_check": os.environ.get("PUBLIC_CHECK_RATE", "120/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Qingdan API",
    "DESCRIPTION": "基层群众性自治组织工作清单管理系统 — public and integration API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package: served by the app, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several serializers (drf-spectacular warns, and check --deploy fails, otherwise).
    "ENUM_NAME_OVERRIDES": {
        "AdmissionDecisionEnum": "admission.choices.Decision",
        "AdmissionRequestKindEnum": "admission.choices.RequestKind",
        "CertificateDecisionEnum": ["may_issue", "must_not_issue", "not_listed"],
        "ReportingChannelKindEnum": "reporting.choices.ChannelKind",
        "ReportingFrequencyEnum": "reporting.choices.Frequency",
        "AnalyzeFormKindEnum": ["ledger", "report", "group", "app"],
        "AnalyzeFormFrequencyEnum": ["daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "adhoc"],
        "InspectionVisitKindEnum": "assessment.choices.VisitKind",
        "OrganisationKindEnum": "regions.choices.OrganisationKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

QINGDAN = {
    "DEMO_ALLOWED": not PRODUCTION,
    "SITE_NAME": _("Qingdan — committee work lists of Liaoning"),
}
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# --- Audit log (等保 2.0: kept at least 180 days; `manage.py audit_retention` refuses anything shorter) ----------------
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "180"))
# Archives of pruned audit events (JSON lines + .sha256); back this folder up with the database.
AUDIT_ARCHIVE_DIR = Path(os.environ.get("AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))

# RabbitMQ redelivers an unacknowledged task as soon as its worker's connection drops; Redis after this timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "qingdan")

# --- Certificates (Art. 9) --------------------------------------------------------------------------------------
CERTIFICATE_SIGNER = os.environ.get("CERTIFICATE_SIGNER", "ed25519")
CERTIFICATE_SIGNING_KEY_FILE = os.environ.get("CERTIFICATE_SIGNING_KEY_FILE") or None
# Key rotation: "2025a=/etc/qingdan/cert-2025a.pem,2026a=/etc/qingdan/cert-2026a.pem", oldest first; the last one
# signs, all verify; tokens without a key id verify with CERTIFICATE_SIGNING_KEY_FILE (certificates/signing.py).
CERTIFICATE_SIGNING_KEYS = dict(
    item.split("=", 1) for item in os.environ.get("CERTIFICATE_SIGNING_KEYS", "").replace(",", " ").split() if "=" in item
)
# Fernet key for certificate subjects' personal data at rest (demo: generated into var/; production: required).
CERTIFICATE_DATA_KEY = os.environ.get("CERTIFICATE_DATA_KEY") or None

# --- Reporting (Art. 6) -----------------------------------------------------------------------------------------
REPORTING_MIN_NOTICE_DAYS = int(os.environ.get("REPORTING_MIN_NOTICE_DAYS", "5"))
REPORTING_FUZZY_MIN_SCORE = float(os.environ.get("REPORTING_FUZZY_MIN_SCORE", "90"))

# --- Supervision (Art. 10) ---------------------------------------------------------------------------------------
# Key for reporters' identities and tracking codes. Without it one is derived from SECRET_KEY (demo only): rotating
# SECRET_KEY would then make stored identities unreadable, so production requires its own key.
SUPERVISION_IDENTITY_KEY = os.environ.get("SUPERVISION_IDENTITY_KEY", "")
if PRODUCTION and not SUPERVISION_IDENTITY_KEY:
    raise RuntimeError("SUPERVISION_IDENTITY_KEY must be set when QINGDAN_ENV=production")
