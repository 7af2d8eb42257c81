"""A real browser (Debian's headless Chromium through chromedriver) and a real server.

Without Chromium the browser tests skip, saying why; under CI (``CI`` set)
they fail instead, because CI installs Chromium and must run them.
"""
import os
import shutil
import socket
import threading

import pytest
import requests
from waitress.server import create_server

from tests.support.signon import SignonServer

CHROMIUM = os.environ.get("BACKDROP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BACKDROP_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


def _missing():
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]


@pytest.fixture
def browser(tmp_path):
    missing = _missing()
    if missing:
        reason = (f"Chromium is not installed ({', '.join(missing)} missing); "
                  "install it with: apt-get install -y chromium chromium-driver")
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP refusals are logged
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def signon():
    with SignonServer() as server:
        yield server


@pytest.fixture
def live_app(make_app, signon):
    """The whole app (every role) on a real waitress server on a free 127.0.0.1 port."""
    listening = socket.create_server(("127.0.0.1", 0))  # the port names the public URL
    test_app = make_app(**{
        "backdrop.oauth.base_url": signon.base_url,
        "backdrop.public_url": f"http://127.0.0.1:{listening.getsockname()[1]}",
    })
    server = LiveServer(test_app.app, listening)
    yield server
    server.stop()


class LiveServer:
    """waitress serving ``app`` from a thread; ``url`` is where it listens."""

    def __init__(self, app, listening):
        self.store = app.registry["backdrop.store"]
        self.plugins = app.registry["backdrop.plugins"]
        self._server = create_server(app, sockets=[listening], threads=4)
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        assert requests.get(f"{self.url}/_status", timeout=10).status_code == 200

    def stop(self):
        self._server.trigger.pull_trigger(self._server.close)  # in the loop's own thread
        self._thread.join(5)
        self._server.task_dispatcher.shutdown()
