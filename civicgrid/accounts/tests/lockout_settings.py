"""Settings of the server that test_lockout_concurrency.py starts: the test settings, with a password
hasher that takes as long as a production one (Argon2, ~50 ms) and counts every check it makes in the
file PASSWORD_CHECKS_FILE, so that the test can tell how many passwords were really tried."""

import os
import time

from django.contrib.auth.hashers import MD5PasswordHasher

from civicgrid.settings.test import *  # noqa: F403

PASSWORD_HASHERS = ["civicgrid.accounts.tests.lockout_settings.CountingHasher"]


class CountingHasher(MD5PasswordHasher):
    def verify(self, password, encoded):
        time.sleep(0.05)
        with open(os.environ["PASSWORD_CHECKS_FILE"], "a") as checks:
            checks.write("checked\n")
        return super().verify(password, encoded)
