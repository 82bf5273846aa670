"""The test suite: fast hashing, tasks run inline, fixed keys."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key-not-for-production-0123456789-abcdefghijklmnop"  # nosec B105
FIELD_ENCRYPTION_KEY = "test-field-encryption-key-0123456789"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Many tests travel years ahead with staff accounts; the expiry's own tests switch it on (90 days).
STAFF_PASSWORD_MAX_AGE_DAYS = 0
HUEY = {"huey_class": "huey.MemoryHuey", "name": "civicgrid-test", "immediate": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SHARED_CACHE = True  # one process: the local cache is shared by everything that runs
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": env.str("LOG_LEVEL", default="ERROR")},
}
