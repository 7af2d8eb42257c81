"""A Backdrop server as a real ``pserve`` process on a free local port, for tests about HTTP."""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PSERVE = Path(sys.executable).with_name("pserve")
ADMIN = "server-test-admin-token"

INI = """\
[app:main]
use = egg:backdrop
backdrop.roles = {roles}
backdrop.store_url = {store_url}
backdrop.admin_token = {admin}
backdrop.load_entry_points = false
{settings}

[server:main]
use = call:backdrop.shutdown:server_factory
listen = 127.0.0.1:{port}
threads = 4

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = INFO
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
class = backdrop.logs.TextFormatter
format = %(levelname)s [%(name)s][%(request_id)s] %(message)s
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, body=None, token=None, timeout=60):
    """``(status, JSON body)``; a new connection each time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def wait_until_up(port, process, output, statuses=(200,), seconds=30):
    """Until ``process`` answers ``GET /_status`` on ``port`` with one of ``statuses``.

    Fails with ``output()`` (what the process printed) if it exits first.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"port {port}: pserve exited with {process.returncode}: {output()}")
        try:
            if request(port, "GET", "/_status", timeout=5)[0] in statuses:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"port {port}: pserve did not come up")


def stderr_tail(process):
    """The last of what ``process`` (started with ``stderr=PIPE``) wrote there."""
    return process.stderr.read().decode(errors="replace")[-2000:]


class Server:
    """``with Server(tmp_path, store_url, **settings) as server``: pserve until the block ends."""

    def __init__(self, directory, store_url, roles="read write", **settings):
        self.port = free_port()
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.ini = Path(directory) / f"server-{self.port}.ini"
        lines = "\n".join(f"{name} = {value}" for name, value in settings.items())
        self.ini.write_text(INI.format(
            roles=roles, store_url=store_url, admin=ADMIN, settings=lines, port=self.port
        ))
        self.log = Path(directory) / f"server-{self.port}.log"
        self.process = None

    def __enter__(self):
        self._log_file = open(self.log, "wb")
        env = {name: value for name, value in os.environ.items() if not name.startswith("BACKDROP_")}
        self.process = subprocess.Popen(
            [str(PSERVE), str(self.ini)], env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
        )
        wait_until_up(self.port, self.process, self.log_text, statuses=(200, 507))
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self._log_file.close()

    def log_text(self):
        return self.log.read_text(errors="replace")

    def create_bucket(self, name, **config):
        status, body = request(self.port, "POST", f"/data-sets/{name}", config, token=ADMIN)
        assert status == 201, body
        return body["bearer_token"]
