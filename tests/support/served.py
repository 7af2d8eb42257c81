"""The app in a waitress server of its own (a child process), measured from outside.

``python -m tests.support.served SETTINGS.json`` builds the app from those
settings, listens on a free 127.0.0.1 port (which becomes
``backdrop.public_url``), prints the port and serves. ``ServedApp`` starts
it, and reads the child's peak resident memory and CPU time from ``/proc``,
the way the gzip-bomb bound is meant: what one request costs the server.
"""
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def store_with_buckets(directory, buckets):
    """``(store URL, store, {name: write token})``: a SQLite store in ``directory`` holding
    ``buckets`` (``{name: config fields}``), made before a server is started over it."""
    from backdrop.buckets import new_config
    from backdrop.plugins import Registry, make_plugin_manager
    from backdrop.store import create_store

    url = f"sqlite:///{directory}/backdrop.db"
    store = create_store(url)
    plugins = Registry(make_plugin_manager(load_entry_points=False))
    tokens = {}
    for name, fields in buckets.items():
        config, tokens[name] = new_config(name, fields, plugins)
        store.create_bucket(config)
    return url, store, tokens


def admin_settings(store_url, **overrides):
    """The admin role as the tests run it (tests/conftest.py's, for a server of its own)."""
    return {
        "backdrop.roles": "admin",
        "backdrop.store_url": store_url,
        "backdrop.session_secret": "test-session-secret-0123456789abcdef",
        "backdrop.load_entry_points": "false",
        "backdrop.test_sign_in": "true",
        "backdrop.oauth.base_url": "http://127.0.0.1:9/",
        "backdrop.oauth.client_id": "test-client",
        "backdrop.oauth.client_secret": "test-secret",
        **overrides,
    }


class ServedApp:
    def __init__(self, settings, tmp_path):
        path = tmp_path / "served-settings.json"
        path.write_text(json.dumps(settings))
        self.log = tmp_path / "served.log"  # a file, not a pipe: a full pipe would stall it
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.served", str(path)], cwd=ROOT,
                stdout=subprocess.PIPE, stderr=log, text=True,
            )
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise AssertionError(f"the server did not start: {line}{self.log.read_text()}")
        self.url = f"http://127.0.0.1:{int(line)}"
        self.http = requests.Session()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- what the server process costs --------------------------------------
    def _status_kib(self, field):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))

    def reset_peak_memory(self):
        """Make the peak resident set size the current one (Linux ``clear_refs``)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def resident_bytes(self):
        return self._status_kib("VmRSS") * 1024

    def peak_resident_bytes(self):
        return self._status_kib("VmHWM") * 1024

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

    def measure(self, call):
        """``(result, resident growth in bytes, CPU seconds)`` of ``call()`` in the server."""
        self.reset_peak_memory()
        before, cpu = self.resident_bytes(), self.cpu_seconds()
        result = call()
        return result, self.peak_resident_bytes() - before, self.cpu_seconds() - cpu


def main(settings_path):
    from waitress.server import create_server

    from backdrop import main as make_app

    settings = json.loads(Path(settings_path).read_text())
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    app = make_app({}, **{**settings, "backdrop.public_url": f"http://127.0.0.1:{port}"})
    server = create_server(app, sockets=[listening], threads=1)
    print(port, flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1])
