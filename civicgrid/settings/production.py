"""Production: every secret from the environment, HTTPS only; passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY")
if len(SECRET_KEY) < 50 or len(FIELD_ENCRYPTION_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must have ≥ 50 characters and FIELD_ENCRYPTION_KEY ≥ 32.")

# LOOPBACK_HTTP=1 serves plain http to this machine only (scripts/prod, bench/mixed.py): for tests and
# benchmarks of the production profile without TLS. It answers only Host 127.0.0.1/localhost, so it
# cannot serve the public by mistake, and leaves every default below as it is when unset.
LOOPBACK_HTTP = env.bool("LOOPBACK_HTTP", default=False)
LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]
if LOOPBACK_HTTP and set(env.list("ALLOWED_HOSTS", default=LOOPBACK_HOSTS)) - set(LOOPBACK_HOSTS):
    raise ImproperlyConfigured(
        "LOOPBACK_HTTP serves 127.0.0.1 and localhost only: unset ALLOWED_HOSTS or it."
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True) and not LOOPBACK_HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if LOOPBACK_HTTP else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not LOOPBACK_HTTP
SECURE_HSTS_PRELOAD = not LOOPBACK_HTTP
SESSION_COOKIE_SECURE = not LOOPBACK_HTTP
CSRF_COOKIE_SECURE = not LOOPBACK_HTTP
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not LOOPBACK_HTTP
LANGUAGE_COOKIE_HTTPONLY = True
if LOOPBACK_HTTP:
    ALLOWED_HOSTS = LOOPBACK_HOSTS
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The demo street (known passwords) only on a loopback profile; the reference endpoints of the
# benchmarks only there and only when asked for (bench/mixed.py measures against them).
DEMO_ALLOWED = LOOPBACK_HTTP
BENCH_ENDPOINTS = LOOPBACK_HTTP and env.bool("BENCH_ENDPOINTS", default=False)

# Single sign-on: the OpenID Connect provider does not start without its ID-token signing key
# (OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE: an RSA private key of ≥ 2048 bits, PEM).
from civicgrid.integrations.sso.keys import check_signing_key  # noqa: E402

from .base import OAUTH2_PROVIDER  # noqa: E402

check_signing_key(OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"])
