"""``SIGTERM`` on a real ``pserve``: stop accepting, finish what is in flight, close the store.

Every acknowledged batch is stored and no batch is stored in part.
"""
import http.client
import itertools
import json
import signal
import socket
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from paste.deploy import loadserver

from tests.support.servers import Server, request

ROOT = Path(__file__).resolve().parents[3]

STREAM_BATCH = 1000
SLOW_BATCH = 100_000  # about two seconds of work: certainly in flight when SIGTERM comes


def _batch(number, size):
    return [{"_timestamp": "2024-01-01T00:00:00Z", "batch": number, "i": i} for i in range(size)]


def _stored_batches(db_path, bucket):
    """``{batch number: records stored}``, straight from the file."""
    with closing(sqlite3.connect(db_path)) as db:
        (table,) = db.execute("SELECT records_table FROM buckets WHERE name = ?", (bucket,)).fetchone()
        rows = db.execute(f"SELECT json_extract(data, '$.batch'), COUNT(*) FROM {table} GROUP BY 1")
        return dict(rows.fetchall())


class Writers:
    """Threads posting batches until the server stops answering; what each post got back."""

    def __init__(self, port, token, threads=2):
        self.port, self.token = port, token
        self.numbers = itertools.count(1000)
        self.results = []  # (batch number, size, started, finished, status or None)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def _run(self):
        for _ in range(2000):  # bounded; the server's stop ends it long before
            if not self.post(next(self.numbers), STREAM_BATCH):
                return

    def post(self, number, size, on_sent=None):
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request(
                "POST", "/stream", json.dumps(_batch(number, size)),
                {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            )
            if on_sent:
                on_sent()
            response = connection.getresponse()
            status = response.status if json.loads(response.read())["status"] == "ok" else None
            connection.close()
        except (OSError, http.client.HTTPException):
            status = None
        with self.lock:
            self.results.append((number, size, started, time.monotonic(), status))
        return status == 200

    def join(self):
        for thread in self.threads:
            thread.join(timeout=60)

    def acknowledged(self):
        return {number: size for number, size, _, _, status in self.results if status == 200}


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _connect_refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _sigterm_during_a_slow_batch(server, writers):
    """Stream batches, post a slow one, SIGTERM once its body is sent; returns its result."""
    writers.start()
    _wait_for(lambda: len(writers.acknowledged()) >= 5)
    sent = threading.Event()
    slow = threading.Thread(target=writers.post, args=(1, SLOW_BATCH, sent.set), daemon=True)
    slow.start()
    sent.wait(30)
    time.sleep(0.2)  # the server is now parsing and storing it
    server.process.send_signal(signal.SIGTERM)
    return time.monotonic(), slow


def test_sigterm_finishes_batches_in_flight_and_refuses_new_connections(tmp_path, db_path):
    with Server(tmp_path, f"sqlite:///{db_path}", **{"backdrop.shutdown_grace_seconds": 30}) as server:
        writers = Writers(server.port, server.create_bucket("stream", bucket_type="custom"))
        terminated, slow = _sigterm_during_a_slow_batch(server, writers)
        time.sleep(0.3)
        assert server.process.poll() is None, "the server must still be finishing the slow batch"
        assert _connect_refused(server.port)
        assert server.process.wait(timeout=60) == 0
        slow.join(60)
        writers.join()
        log = server.log_text()

    assert not (tmp_path / "backdrop.db-wal").exists(), "a clean close checkpoints the WAL away"
    acknowledged = writers.acknowledged()
    stored = _stored_batches(db_path, "stream")
    assert acknowledged[1] == SLOW_BATCH, "the batch in flight at SIGTERM is answered"
    assert all(stored.get(number) == size for number, size in acknowledged.items())
    sizes = {number: size for number, size, *_ in writers.results}
    assert all(count == sizes[number] for number, count in stored.items()), "no partial batch"
    assert "store closed" in log
    assert terminated < max(finished for *_, finished, status in writers.results if status == 200)


def test_a_batch_still_running_when_the_grace_period_ends_is_not_stored(tmp_path, db_path):
    with Server(tmp_path, f"sqlite:///{db_path}", **{"backdrop.shutdown_grace_seconds": 0.3}) as server:
        writers = Writers(server.port, server.create_bucket("stream", bucket_type="custom"))
        _, slow = _sigterm_during_a_slow_batch(server, writers)
        assert server.process.wait(timeout=60) == 3
        slow.join(60)
        writers.join()
        assert "grace period of 0.3s over" in server.log_text()

    stored = _stored_batches(db_path, "stream")
    acknowledged = writers.acknowledged()
    assert 1 not in acknowledged and 1 not in stored, "cut off, so neither answered nor stored"
    assert acknowledged and all(stored.get(number) == size for number, size in acknowledged.items())
    sizes = {number: size for number, size, *_ in writers.results}
    assert all(count == sizes[number] for number, count in stored.items()), "no partial batch"


@pytest.mark.parametrize(
    "ini", ["development.ini", "production.ini", "ini/read.ini", "ini/write.ini", "ini/admin.ini"]
)
def test_every_ini_serves_through_the_draining_server(ini):
    serve = loadserver(f"config:{ROOT / ini}")
    assert serve.__qualname__ == "server_factory.<locals>.serve"


def test_sigterm_with_nothing_in_flight_stops_at_once(tmp_path, db_path):
    """Three times over: the stop must not depend on where the main loop happens to be."""
    for attempt in range(3):
        with Server(tmp_path / str(attempt), f"sqlite:///{db_path}") as server:
            assert request(server.port, "GET", "/_status")[0] == 200
            server.process.send_signal(signal.SIGTERM)
            assert server.process.wait(timeout=15) == 0
            assert "store closed" in server.log_text()
