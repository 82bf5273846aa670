"""Lock-out holds under concurrency: 100 wrong passwords sent at the same moment to a real server
(gunicorn, 2 workers × 25 threads) get at most AXES_FAILURE_LIMIT password checks; the rest are refused
as locked, and so is the right password afterwards."""

import http.client
import threading
import urllib.parse

import pytest
from django.conf import settings
from django.utils.crypto import get_random_string

from civicgrid.core.testing import PASSWORD, record_figure
from civicgrid.core.tests.faults_support import Gunicorn, SharedDatabase, server_env

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 100


def login_attempt(port: int, username: str, password: str) -> int:
    """POST the staff log-in form on a new connection, as a browser would; the HTTP status."""
    csrf = get_random_string(32)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf})
    headers = {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/accounts/login/", body=body.encode(), headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize("known", [True, False], ids=["known account", "unknown account"])
def test_a_hundred_simultaneous_wrong_passwords_get_five_checks_then_the_account_is_locked(
    processes, personas, tmp_path, known
):
    username = personas.grid_worker_a.username if known else "nobody-here"
    checks = tmp_path / "password-checks"
    checks.touch()
    shared = SharedDatabase(tmp_path)
    env = server_env(
        shared.url,
        DJANGO_SETTINGS_MODULE="civicgrid.accounts.tests.lockout_settings",
        PASSWORD_CHECKS_FILE=str(checks),
    )
    # 50 handler threads (each holds a database connection while it waits its turn): PostgreSQL's
    # default of 100 connections must also serve the other tests running beside this one.
    server = Gunicorn(processes, env, workers=2, threads=25, timeout=120)
    server.start()

    start = threading.Barrier(ATTEMPTS)
    statuses: list[int] = []

    def attempt(i: int) -> None:
        start.wait()
        statuses.append(login_attempt(server.port, username, f"wrong-{i}"))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    limit = settings.AXES_FAILURE_LIMIT
    if known:
        checked = len(checks.read_text().splitlines())
        record_figure("lock-out under 100 concurrent", attempts=ATTEMPTS, password_checks=checked)
    # Wrong password (200) until the fifth failure, which locks (429) like every attempt after it.
    assert sorted(statuses) == [200] * (limit - 1) + [429] * (ATTEMPTS - limit + 1)
    if known:
        assert len(checks.read_text().splitlines()) == limit  # no more passwords were tried
        assert login_attempt(server.port, username, PASSWORD) == 429
        assert len(checks.read_text().splitlines()) == limit
