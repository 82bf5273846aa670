"""Production: every secret from the environment, HTTPS only; passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY")
if len(SECRET_KEY) < 50 or len(FIELD_ENCRYPTION_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must have ≥ 50 characters and FIELD_ENCRYPTION_KEY ≥ 32.")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEMO_ALLOWED = False

# Single sign-on: the OpenID Connect provider does not start without its ID-token signing key
# (OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE: an RSA private key of ≥ 2048 bits, PEM).
from civicgrid.integrations.sso.keys import check_signing_key  # noqa: E402

from .base import OAUTH2_PROVIDER  # noqa: E402

check_signing_key(OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"])
