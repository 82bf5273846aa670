"""What test_faults.py needs to hurt the platform for real: processes started in their own process group
and killed with SIGKILL, gunicorn, a TCP proxy that cuts the database off, and a database the test
shares with the processes it starts (PostgreSQL as it is; SQLite through a file)."""

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

from civicgrid.core.testing import log_in

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def wait_for(condition: Callable[[], object], *, timeout: float, what: str | Callable[[], str]):
    """Poll `condition` until it returns something true and return that; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what() if callable(what) else what}"
            )
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive_in_group(pgid: int) -> list[int]:
    """Processes of the process group that still run (zombies have dropped their sockets: not counted)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


class Processes:
    """Child processes, each the leader of its own process group, so that a kill reaches everything it
    started (gunicorn's workers, a consumer's threads). kill_all() runs at the end of every test."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self._started: list[subprocess.Popen] = []

    def spawn(self, command: list[str], *, env: dict[str, str], log_name: str) -> subprocess.Popen:
        log_path = self.log_dir / log_name
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log_path = log_path
        self._started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9 the process and everything in its group, and wait until none of them runs."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        wait_for(
            lambda: not _alive_in_group(process.pid), timeout=10, what=f"process group {process.pid} to die"
        )

    def kill_all(self) -> None:
        for process in self._started:
            self.kill(process)


@pytest.fixture
def processes(tmp_path):
    """Processes a test starts; all killed when it ends, on failure too: no server outlives its test."""
    spawned = Processes(tmp_path)
    yield spawned
    spawned.kill_all()


def log_of(process: subprocess.Popen, lines: int | None = 40) -> str:
    """What the process wrote to its stdout and stderr: the last `lines` lines (None: all)."""
    text = process.log_path.read_text(errors="replace")
    return text if lines is None else "\n".join(text.splitlines()[-lines:])


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server or worker the test starts: the test settings (as
    test_concurrency.py), against the database shared with this test."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env |= {"DJANGO_SETTINGS_MODULE": "civicgrid.settings.test", "DATABASE_URL": database_url}
    return env | {"PYTHONUNBUFFERED": "1", **extra}


class SharedDatabase:
    """The test database as other processes reach it. PostgreSQL is shared as it is. The SQLite test
    database lives in this process's memory, so it is copied to a file the processes use (with the
    settings of production: WAL, synchronous=FULL) and copied back by pull() before the test reads."""

    def __init__(self, tmp_path: Path):
        settings = connection.settings_dict
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.file = None
            self.name, self.user = settings["NAME"], settings["USER"]
            self.host, self.port = settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)
            self.url = self.url_via(self.host, self.port)
        else:
            self.file = tmp_path / "shared.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(self.file) as copy:
                connection.connection.backup(copy)
            copy.close()
            self.url = f"sqlite:///{self.file}"

    def url_via(self, host: str, port: int) -> str:
        """PostgreSQL only: the URL of the test database reached through another address (a proxy)."""
        return f"postgres://{self.user}@{host}:{port}/{self.name}"

    def count(self, queryset) -> int:
        """COUNT(*) of the queryset as the other processes see it now (cheap enough to poll)."""
        if self.file is None:
            return queryset.count()
        sql, params = queryset.query.sql_with_params()
        with contextlib.closing(sqlite3.connect(self.file, timeout=20)) as db:
            # Django writes SQLite's "?" placeholders as "%s" until its own cursor converts them.
            return db.execute(f"SELECT COUNT(*) FROM ({sql.replace('%s', '?')})", params).fetchone()[0]

    def pull(self) -> None:
        """Make what the other processes wrote visible to this test's ORM."""
        if self.file is None:
            return
        connection.ensure_connection()
        with sqlite3.connect(self.file, timeout=20) as source:
            source.backup(connection.connection)
        source.close()


def signed_in_headers(user) -> dict[str, str]:
    """Headers of a browser signed in as `user` (a session saved in the database) that may also write
    through the API (the CSRF cookie and its header)."""
    client = Client()
    log_in(client, user)  # past the second factor where the role needs one
    csrf = get_random_string(32)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", "X-CSRFToken": csrf}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


def call(port: int, method: str, path: str, *, headers=None, payload=None, timeout: float = 30) -> Answer:
    """One HTTP request on a new connection; OSError (and http.client's errors) when there is no answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    body = None
    headers = dict(headers or {})
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


class Gunicorn:
    """`gunicorn civicgrid.wsgi:application` with sync workers, as in production (or threaded ones for
    concurrency), on a fixed port so that it can be started again where the clients expect it."""

    def __init__(
        self,
        processes: Processes,
        env: dict[str, str],
        *,
        workers: int = 2,
        threads: int = 1,
        timeout: int = 30,
    ):
        self.processes = processes
        self.env = env
        self.workers = workers
        self.threads = threads
        self.timeout = timeout
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        command = [
            str(GUNICORN),
            "civicgrid.wsgi:application",
            "--worker-class=sync" if self.threads == 1 else f"--threads={self.threads}",
            f"--workers={self.workers}",
            f"--bind=127.0.0.1:{self.port}",
            f"--timeout={self.timeout}",
            "--graceful-timeout=1",
            "--no-control-socket",
            "--error-logfile=-",
            "--log-level=warning",
        ]
        self.process = self.processes.spawn(command, env=self.env, log_name=f"gunicorn-{self.starts}.log")

        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"gunicorn exited with {self.process.returncode}:\n{log_of(self.process)}"
                )
            try:
                return call(self.port, "GET", "/healthz", timeout=5).status == 200
            except (OSError, http.client.HTTPException):
                return False

        wait_for(answers, timeout=60, what="gunicorn to answer /healthz")

    def kill(self) -> None:
        """kill -9 the master and its workers at once (their process group), as a crash or the OOM
        killer would: nothing is flushed, no request is finished."""
        self.processes.kill(self.process)

    def log(self) -> str:
        return log_of(self.process) if self.process else ""


class TcpProxy:
    """127.0.0.1:<port> forwarded to the database server. cut() closes the listening socket and every
    connection through it, so the database is gone for whoever uses the proxy (new connections are
    refused, open ones end); restore() listens on the same port again."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self.accepted = 0

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: the port comes back
        listener.settimeout(0.05)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    restore = start

    def black_hole(self) -> None:
        """Close every connection, then listen without ever answering: connection attempts get through
        (the kernel completes them) and then wait for a database that says nothing."""
        self.cut()
        listener = socket.create_server(("127.0.0.1", self.port))
        with self._lock:
            self._listener = listener

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        for sock in [listener, *sockets]:
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by cut()
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            client.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
                self.accepted += 1
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
