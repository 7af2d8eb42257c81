"""``pserve development.ini#read``, ``#write``, ``#admin`` (SPEC 9): each role alone
from the one file, on the port of its ``ini/`` file, serving only that role.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from paste.deploy.loadwsgi import SERVER, loadcontext

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[3]
PSERVE = Path(sys.executable).with_name("pserve")
ROLES = ("read", "write", "admin")
LISTEN = re.compile(r"^listen = 127\.0\.0\.1:(\d+)$", re.M)


def _get(url, token=None):
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize("role", ROLES)
def test_the_section_listens_where_the_ini_file_does(role):
    section = loadcontext(SERVER, f"config:{ROOT / 'development.ini'}", name=role)
    own = (ROOT / "ini" / f"{role}.ini").read_text()
    assert section.local_conf["listen"] == f"127.0.0.1:{LISTEN.search(own).group(1)}"


@pytest.fixture
def layout(tmp_path):
    """development.ini and ini/ copied, each ini/ file on a free port (its own may be taken)."""
    shutil.copy(ROOT / "development.ini", tmp_path / "development.ini")
    (tmp_path / "ini").mkdir()
    ports = {}
    for role in ROLES:
        ports[role] = free_port()
        text = (ROOT / "ini" / f"{role}.ini").read_text()
        (tmp_path / "ini" / f"{role}.ini").write_text(
            LISTEN.sub(f"listen = 127.0.0.1:{ports[role]}", text))
    return tmp_path, ports


@pytest.fixture
def serve(layout):
    directory, ports = layout
    env = {name: value for name, value in os.environ.items() if not name.startswith("BACKDROP_")}
    env["BACKDROP_STORE_URL"] = f"sqlite:///{directory}/shared.db"
    processes = []

    def start(role):
        process = subprocess.Popen([str(PSERVE), f"{directory}/development.ini#{role}"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(process)
        url = f"http://127.0.0.1:{ports[role]}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode(errors="replace")[-2000:])
            try:
                if _get(url + "/_status")[0] == 200:
                    return url
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"pserve development.ini#{role} did not come up")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def _documented(url):
    document = json.loads(_get(url + "/_openapi.json")[2])
    return {(method, path) for path, item in document["paths"].items() for method in item
            if method != "parameters"}


def test_read_serves_reads_only(serve):
    url = serve("read")
    assert _get(url + "/nowhere")[2] == b'{"status":"error","message":"bucket not found"}'
    assert _get(url + "/data-sets", token="development-admin-token")[0] == 404
    operations = _documented(url)
    assert ("get", "/{bucket}") in operations
    assert not any(method in ("post", "put") for method, _ in operations)


def test_write_serves_writes_only_with_the_development_admin_token(serve):
    url = serve("write")
    status, _, body = _get(url + "/data-sets", token="development-admin-token")
    assert (status, body) == (200, b'{"data":[]}')
    assert _get(url + "/nowhere")[2] == b'{"status":"error","message":"not found"}'
    operations = _documented(url)
    assert ("post", "/{bucket}") in operations
    assert ("get", "/{bucket}") not in operations


def test_admin_serves_the_admin_app_only(serve):
    url = serve("admin")
    status, headers, _ = _get(url + "/")
    assert status == 302 and "/sign-in" in headers["Location"]
    assert _get(url + "/data-sets", token="development-admin-token")[0] == 404
    operations = _documented(url)
    assert ("get", "/{bucket}/upload") in operations
    assert not any(path.startswith("/data-sets") for _, path in operations)
