"""The test suite: fast hashing, tasks run inline, fixed keys."""

import os

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
# Cockpit pages are computed live in tests, whatever the machine's speed; the snapshot tests turn
# snapshots on themselves (docs/decisions/0010).
COCKPIT_SNAPSHOT_MIN_MS = 60_000
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

# With TEST_REDIS_PROFILE (a Redis URL), the cache and Huey's storage are Redis, as in production:
# sessions, signed-in accounts and task locks go through it. Each pytest-xdist worker has its own
# Redis database, since every test starts by emptying the cache; tasks still run inline. scripts/test
# runs the PostgreSQL pass this way when a Redis answers. Redis expires keys by the wall clock: a test
# that travels past a session's end signs in afresh (core.testing.log_in starts a new session).
TEST_REDIS_PROFILE = env.str("TEST_REDIS_PROFILE", default="")
if TEST_REDIS_PROFILE:
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    _redis = f"{TEST_REDIS_PROFILE.rstrip('/')}/{1 + int(_worker[2:] or 0) % 8}"
    CACHES = {"default": {"BACKEND": "civicgrid.core.cache.RedisCache", "LOCATION": _redis}}
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": f"civicgrid-test-{_worker}",
        "url": _redis,
        "immediate": True,
        "immediate_use_memory": False,
    }
