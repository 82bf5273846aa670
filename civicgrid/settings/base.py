"""Settings shared by every mode; everything that differs between machines comes from the environment."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Key material for encrypted personal-data fields and their blind indexes (see core/crypto.py).
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its static files: the API docs page needs no CDN
    "treebeard",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "csp",
    "civicgrid.core",
    "civicgrid.audit",
    "civicgrid.org",
    "civicgrid.accounts",
    "civicgrid.registry",
    "civicgrid.notifications",
    "civicgrid.cases",
    "civicgrid.fieldwork",
    "civicgrid.portal",
    "civicgrid.bookings",
    "civicgrid.activities",
    "civicgrid.socialorgs",
    "civicgrid.polls",
    "civicgrid.market",
    "civicgrid.scoring",
    "civicgrid.cockpit",
    "civicgrid.integrations",
    "civicgrid.synth",
    # After the project's apps: civicgrid/integrations/templates/oauth2_provider/ overrides its pages.
    "oauth2_provider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civicgrid.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civicgrid.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "civicgrid.core.middleware.LoginRequiredMiddleware",
    "civicgrid.accounts.middleware.StaffSessionMiddleware",
    "civicgrid.accounts.middleware.SecondFactorMiddleware",
    "civicgrid.accounts.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civicgrid" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.accounts.context_processors.platform",
            ],
        },
    },
    {
        # Bodies of long lists only (docs/decisions/0007-jinja2-for-long-lists.md): <app>/jinja2/.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "civicgrid.core.jinja.environment"},
    },
]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL and add the options each engine needs to behave the same under concurrency."""
    config = env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE makes concurrent writers wait on busy_timeout instead of failing with
        # "database is locked"; synchronous=FULL keeps an accepted report across a power cut.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
        config["CONN_HEALTH_CHECKS"] = True
        # A database that does not answer fails the request within seconds (503) instead of hanging
        # the web worker until gunicorn kills it.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
        # A server that vanishes mid-request (host down, network cut: no reset ever arrives) is given
        # up on after 30 s of unacknowledged data, and an idle pooled connection is probed, instead
        # of the kernel's ~15 minutes of retransmissions.
        options.setdefault("tcp_user_timeout", env.int("DATABASE_TCP_USER_TIMEOUT_MS", default=30_000))
        options.setdefault("keepalives", 1)
        options.setdefault("keepalives_idle", 30)
        options.setdefault("keepalives_interval", 10)
        options.setdefault("keepalives_count", 3)
        # No JIT: the cockpit's month aggregates cost PostgreSQL more to compile (1.3 s of a 2.5 s
        # query at a million cases) than to run, and the platform's other queries are too short to
        # gain from it.
        options.setdefault("options", "-c jit=off")
    return config


DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'civicgrid.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The key of the audit trail's hash chain (audit.chain); SECRET_KEY when unset. Keep it when the
# secret key is rotated: rows sealed with the old key no longer verify under a new one.
AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="")

REDIS_URL = env.str("REDIS_URL", default="")
_SQLITE_FILE = DATABASES["default"]["NAME"] if "sqlite3" in DATABASES["default"]["ENGINE"] else None
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "civicgrid.core.cache.RedisCache", "LOCATION": REDIS_URL}}
elif _SQLITE_FILE and str(_SQLITE_FILE) != ":memory:":
    # One machine: files beside the database are shared by its web and worker processes (and start
    # empty with a database in a new place).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": f"{_SQLITE_FILE}-cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# With a cache every process shares (web and worker), sessions and the signed-in account (with its
# memberships) are read from it instead of the database on every request, and per-reader pages are
# kept there; a change made in any process drops what it affects. Writes still go to the database.
# Off only for PostgreSQL without Redis, where each process has its own cache.
SHARED_CACHE = env.bool(
    "SHARED_CACHE", default=CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"
)
if SHARED_CACHE:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Huey: Redis when REDIS_URL is set, else a SQLite file beside the database. "immediate" is set
# explicitly because djhuey would otherwise follow DEBUG and run tasks inline.
HUEY_IMMEDIATE = env.bool("HUEY_IMMEDIATE", default=False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "civicgrid",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        # flush_locks: a worker killed mid-task leaves its task lock behind; the restarted one clears
        # it (the periodic tasks are safe to run twice at once).
        "consumer": {"workers": 2, "worker_type": "thread", "max_delay": 1.0, "flush_locks": True},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "civicgrid",
        "filename": str(env.path("HUEY_SQLITE_PATH", default=VAR_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        # flush_locks: a worker killed mid-task leaves its task lock behind; the restarted one clears
        # it (the periodic tasks are safe to run twice at once).
        "consumer": {"workers": 2, "worker_type": "thread", "max_delay": 1.0, "flush_locks": True},
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "civicgrid.accounts.backends.AccountBackend",
    "civicgrid.accounts.backends.PhoneBackend",
    # Staff signed in through the upstream identity provider (answers nothing else; see SSO below).
    "civicgrid.integrations.sso.backends.UpstreamOIDCBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "civicgrid.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "civicgrid.accounts.validators.ChineseCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "civicgrid.accounts.validators.StaffPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: 12 hours absolute for everyone; staff are also signed out after 30 idle minutes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
STAFF_IDLE_TIMEOUT = env.int("STAFF_IDLE_TIMEOUT", default=30 * 60)
# The cockpit of an area whose panels take longer than this to compute is served from a snapshot at
# most COCKPIT_SNAPSHOT_MAX_AGE seconds old (docs/decisions/0010-cockpit-snapshots.md).
COCKPIT_SNAPSHOT_MIN_MS = env.int("COCKPIT_SNAPSHOT_MIN_MS", default=200)
COCKPIT_SNAPSHOT_MAX_AGE = env.int("COCKPIT_SNAPSHOT_MAX_AGE", default=120)
# Staff passwords expire after this many days (0: never) — 等保 2.0; see docs/decisions/0008.
STAFF_PASSWORD_MAX_AGE_DAYS = env.int("STAFF_PASSWORD_MAX_AGE_DAYS", default=90)
# Roles that must pass a TOTP second factor after the password.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["platform_admin", "street_leader"])
OTP_TOTP_ISSUER = "CivicGrid"
# The admin never shows anyone's TOTP secret or QR code (nor answers 500 for an unknown device).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# django-axes: the database handler (the cache handler lets extra attempts through under load).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_SECONDS", default=300) / 3600
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "civicgrid.accounts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "civicgrid_language"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "civicgrid" / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"

# No script from anywhere but this server, and no inline script: htmx is configured by <meta>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

PLATFORM_NAME = _("智慧云服务管理平台")
# Reference endpoints that measure what the stack itself costs; only the bench settings turn them on.
BENCH_ENDPOINTS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No log line carries a full phone or ID number: 138****5678, 330104********1234 (core/logmask.py).
    "filters": {"mask_personal": {"()": "civicgrid.core.logmask.MaskPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_personal"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        # Django's own handlers for these (DEFAULT_LOGGING: console when DEBUG, runserver's access
        # log) would write unmasked lines; without handlers here they go through the root's console.
        "django": {"level": "INFO"},
        "django.server": {"level": "INFO", "propagate": True},
        "django.request": {"level": "ERROR"},
        # With a handler of its own, run_huey does not add its unmasked one.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The default SMS backend writes messages (sign-up codes included) to the log.
        "civicgrid.sms": {"level": "INFO"},
    },
}

DEMO_ALLOWED = True
# Lock-out is by account: offices share one address behind NAT, so an address limit would lock
# whole offices out (docs/decisions/0003-lockout-by-account.md).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Problem-flow centre: returns before the dispatcher decides (终审), and which departments act as
# the stability centre (综治办) that sets warning levels.
CASE_MAX_RETURNS = env.int("CASE_MAX_RETURNS", default=2)
STABILITY_CENTRE_NAMES = env.list("STABILITY_CENTRE_NAMES", default=["综治办", "平安办"])
CASE_DUPLICATE_RADIUS_M = env.int("CASE_DUPLICATE_RADIUS_M", default=50)
# Open311 GeoReport v2 (/open311/v2/): the jurisdiction this server answers for.
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="kaixuan")
SMS_BACKEND = env.str("SMS_BACKEND", default="civicgrid.notifications.backends.LogSmsBackend")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# ---------------------------------------------------------------- single sign-on (integrations/sso)
# 1. The platform is an OpenID Connect provider for departmental systems (django-oauth-toolkit), at
#    /o/ (discovery: /o/.well-known/openid-configuration). Authorization code + PKCE (S256) only,
#    RS256 ID tokens signed with OIDC_RSA_PRIVATE_KEY (PEM; "\n" for newlines in .env, which
#    scripts/setup fills for development) or the file OIDC_RSA_PRIVATE_KEY_FILE; production refuses
#    to start without it. Applications are registered by platform admins in the Django admin.
from civicgrid.integrations.sso.keys import signing_key_from  # noqa: E402

OIDC_RSA_PRIVATE_KEY = signing_key_from(
    env.str("OIDC_RSA_PRIVATE_KEY", default=""), env.str("OIDC_RSA_PRIVATE_KEY_FILE", default="")
)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    # The issuer (iss) the ID tokens carry, e.g. https://grid.example.gov.cn/o; else this request's host.
    "OIDC_ISS_ENDPOINT": env.str("OIDC_ISSUER", default=""),
    "OAUTH2_VALIDATOR_CLASS": "civicgrid.integrations.sso.validators.CivicGridOIDCValidator",
    "SCOPES": {
        "openid": _("确认您的身份（不含手机号、身份证号）"),
        "profile": _("您的姓名和平台账号名"),
        "roles": _("您在平台上的角色及所属单位"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_SECONDS", default=3600),
    "ID_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": SESSION_COOKIE_AGE,  # no longer than a platform session
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # nosec B105
    # RFC 9700 (OAuth 2.0 Security BCP), all enforced: no implicit or password grant, no "plain"
    # PKCE, no token in a URL, `iss` in the authorization response, tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,  # nosec B105
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # nosec B105
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # nosec B105
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,  # nosec B105
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# 2. Staff may sign in through the upstream government identity provider (mozilla-django-oidc as
#    client): the button on the staff log-in page appears once the endpoints and the client are set.
#    The upstream account is matched to an existing active staff account whose user name equals the
#    claim OIDC_UPSTREAM_USERNAME_CLAIM; nothing is ever created.
OIDC_UPSTREAM_AUTHORIZATION_ENDPOINT = env.str("OIDC_UPSTREAM_AUTHORIZATION_ENDPOINT", default="")
OIDC_UPSTREAM_TOKEN_ENDPOINT = env.str("OIDC_UPSTREAM_TOKEN_ENDPOINT", default="")
OIDC_UPSTREAM_USERINFO_ENDPOINT = env.str("OIDC_UPSTREAM_USERINFO_ENDPOINT", default="")
OIDC_UPSTREAM_JWKS_ENDPOINT = env.str("OIDC_UPSTREAM_JWKS_ENDPOINT", default="")
OIDC_UPSTREAM_ISSUER = env.str("OIDC_UPSTREAM_ISSUER", default="")  # when set, the ID token's iss must match
OIDC_UPSTREAM_CLIENT_ID = env.str("OIDC_UPSTREAM_CLIENT_ID", default="")
OIDC_UPSTREAM_CLIENT_SECRET = env.str("OIDC_UPSTREAM_CLIENT_SECRET", default="")
OIDC_UPSTREAM_USERNAME_CLAIM = env.str("OIDC_UPSTREAM_USERNAME_CLAIM", default="preferred_username")
OIDC_UPSTREAM_ENABLED = all(
    [
        OIDC_UPSTREAM_AUTHORIZATION_ENDPOINT,
        OIDC_UPSTREAM_TOKEN_ENDPOINT,
        OIDC_UPSTREAM_USERINFO_ENDPOINT,
        OIDC_UPSTREAM_JWKS_ENDPOINT,
        OIDC_UPSTREAM_CLIENT_ID,
        OIDC_UPSTREAM_CLIENT_SECRET,
    ]
)
# The names mozilla-django-oidc reads.
OIDC_OP_AUTHORIZATION_ENDPOINT = OIDC_UPSTREAM_AUTHORIZATION_ENDPOINT
OIDC_OP_TOKEN_ENDPOINT = OIDC_UPSTREAM_TOKEN_ENDPOINT
OIDC_OP_USER_ENDPOINT = OIDC_UPSTREAM_USERINFO_ENDPOINT
OIDC_OP_JWKS_ENDPOINT = OIDC_UPSTREAM_JWKS_ENDPOINT
OIDC_RP_CLIENT_ID = OIDC_UPSTREAM_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_UPSTREAM_CLIENT_SECRET
OIDC_RP_SIGN_ALGO = env.str("OIDC_UPSTREAM_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_UPSTREAM_SCOPES", default="openid profile")
OIDC_CREATE_USER = False
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:upstream_callback"
# Seconds: an upstream outage never hangs a web worker.
OIDC_TIMEOUT = env.int("OIDC_UPSTREAM_TIMEOUT", default=10)
# {% load sso %} on the staff log-in page (the link is shown only when the upstream is configured).
TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["sso"] = "civicgrid.integrations.sso.templatetags"
