"""Settings of the task worker that test_faults.py starts and kills: the test settings, except that tasks
go through the queue of production — Huey on a SQLite file (HUEY_SQLITE_PATH) or on Redis (REDIS_URL)
with the consumer options of civicgrid.settings.base — under a name of the test's own (FAULTS_HUEY_NAME)."""

from civicgrid.settings import base
from civicgrid.settings.test import *  # noqa: F403
from civicgrid.settings.test import env

HUEY = {**base.HUEY, "name": env.str("FAULTS_HUEY_NAME", default="civicgrid-faults"), "immediate": False}
