"""A laptop: SQLite (or DATABASE_URL), Huey on SQLite, DEBUG on unless turned off."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
if not SECRET_KEY:  # noqa: F405
    SECRET_KEY = "dev-only-insecure-key-run-scripts-run-to-generate-a-real-one-in-.env"  # nosec B105
if not FIELD_ENCRYPTION_KEY:  # noqa: F405
    FIELD_ENCRYPTION_KEY = "dev-only-field-key-run-scripts-run-to-generate-a-real-one"
