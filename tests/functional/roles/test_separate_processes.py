"""``pserve ini/read.ini`` and ``pserve ini/write.ini`` as two real processes on one SQLite file."""
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.servers import free_port, stderr_tail, wait_until_up

ROOT = Path(__file__).resolve().parents[3]
PSERVE = Path(sys.executable).with_name("pserve")
ADMIN = "process-test-admin-token"


def _request(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())






def _on_port(tmp_path, role, port):
    """``ini/<role>.ini`` as it is, but listening on ``port`` (its own 303x may be taken)."""
    text = (ROOT / "ini" / f"{role}.ini").read_text()
    text = re.sub(r"listen = 127\.0\.0\.1:\d+", f"listen = 127.0.0.1:{port}", text)
    text = text.replace("%(here)s", str(ROOT / "ini"))
    path = tmp_path / f"{role}.ini"
    path.write_text(text)
    return path


@pytest.fixture
def servers(tmp_path):
    env = {
        **os.environ,
        "BACKDROP_STORE_URL": f"sqlite:///{tmp_path}/shared.db",
        "BACKDROP_ADMIN_TOKEN": ADMIN,
    }
    ports = {"write": free_port(), "read": free_port()}
    processes = {}
    try:
        for role in ("write", "read"):  # the writer makes the store, then the reader joins it
            processes[role] = subprocess.Popen(
                [str(PSERVE), str(_on_port(tmp_path, role, ports[role]))], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            process = processes[role]
            wait_until_up(ports[role], process, lambda process=process: stderr_tail(process))
        yield f"http://127.0.0.1:{ports['read']}", f"http://127.0.0.1:{ports['write']}"
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()


def test_write_through_one_process_and_read_through_the_other(servers):
    read, write = servers
    status, created = _request(
        "POST", f"{write}/data-sets/shared", {"raw_queries_allowed": True}, token=ADMIN
    )
    assert status == 201, created
    records = [{"_timestamp": f"2024-01-0{day}T12:00:00+00:00", "n": day} for day in range(1, 8)]
    status, body = _request("POST", f"{write}/shared", records, token=created["bearer_token"])
    assert (status, body) == (200, {"status": "ok", "count": 7})

    status, body = _request("GET", f"{read}/shared")
    assert status == 200
    assert [record["n"] for record in body["data"]] == list(range(1, 8))

    # Each role answers only its own routes.
    assert _request("POST", f"{read}/shared", records, token=created["bearer_token"])[0] == 404
    assert _request("GET", f"{write}/shared")[0] == 404
