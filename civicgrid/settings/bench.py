"""The benchmark profile: production-like (DEBUG off, real hashing) over plain HTTP on loopback."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="bench-secret-key-not-for-production-0123456789-abcdefghijkl")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="bench-field-encryption-key-0123456789")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
BENCH_ENDPOINTS = True
# A bench run hammers log-ins from one address; lock-out is measured elsewhere.
AXES_ENABLED = False
