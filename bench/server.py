"""Run Backdrop as a real server process and talk to it over keep-alive HTTP."""
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ADMIN_TOKEN = "bench-admin-token"

INI = """\
[app:main]
use = egg:backdrop
backdrop.roles = {roles}
backdrop.store_url = sqlite:///{db}
backdrop.admin_token = {token}
backdrop.session_secret = bench-session-secret

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``pserve`` on a temporary ini; the store is a SQLite file in ``directory``.

    ``roles`` picks the roles (``"read write"``, ``"write"``, ``"read"``);
    ``code`` runs another checkout of Backdrop (e.g. the release before a
    change) from the same virtualenv, by putting it first on ``PYTHONPATH``.
    """

    def __init__(self, directory, roles="read write", name="server", code=None, db=None):
        self.directory = Path(directory)
        self.db = Path(db) if db else self.directory / "bench.db"
        self.roles, self.name, self.code = roles, name, code
        self.port = free_port()
        self.process = None
        self.started_at = None

    def start(self, timeout=60):
        ini = self.directory / f"{self.name}.ini"
        ini.write_text(INI.format(db=self.db, token=ADMIN_TOKEN, port=self.port, roles=self.roles))
        pserve = Path(sys.executable).with_name("pserve")
        # The environment overrides ini settings; keep ours.
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKDROP_")}
        if self.code:
            env["PYTHONPATH"] = str(self.code)
        self.log = open(self.directory / f"{self.name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            [str(pserve), str(ini)], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.directory / 'server.log'}")
            try:
                status, _, _ = Client(self.port).request("GET", "/_status")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("server did not answer /_status in time")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()

    def peak_rss_bytes(self):
        """VmHWM: the process's peak resident set since it started (Linux only)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None


def cpu_seconds(pid):
    """CPU time used so far by every thread of ``pid``.

    Linux ``schedstat`` counts nanoseconds, fine enough for one fast request;
    elsewhere fall back to psutil's clock-tick counters.
    """
    tasks = Path(f"/proc/{pid}/task")
    try:
        return sum(
            int((task / "schedstat").read_text().split()[0]) for task in tasks.iterdir()
        ) / 1e9
    except (OSError, ValueError, IndexError):
        times = psutil.Process(pid).cpu_times()
        return times.user + times.system


class Client:
    """One keep-alive connection; every call returns ``(status, headers, body)``."""

    def __init__(self, port, token=None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.token = token

    def request(self, method, path, body=None, token=None):
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        token = token or self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def json(self, method, path, payload=None, token=None):
        body = None if payload is None else json.dumps(payload).encode()
        status, _, data = self.request(method, path, body, token)
        return status, json.loads(data) if data else None

    def close(self):
        self.connection.close()


class RSSSampler:
    """Samples a process's resident set from a thread; ``peak`` is the largest seen."""

    def __init__(self, pid, interval=0.005):
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        return False
