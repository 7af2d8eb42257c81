"""Two write processes on one SQLite file: ``BACKDROP_LISTEN=... pserve ini/write.ini`` twice.

Each batch is one transaction, whichever process takes it: every record is
stored once, no batch is torn or interleaved with another, the change feed's
write position stays exact, and waiting for the other process's write lock
never surfaces as an error (SQLITE_BUSY).
"""
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.support.servers import free_port, stderr_tail, wait_until_up

ROOT = Path(__file__).resolve().parents[3]
PSERVE = Path(sys.executable).with_name("pserve")
ADMIN = "two-writers-admin-token"
BATCHES, BATCH_SIZE = 30, 300






@pytest.fixture
def writers(tmp_path):
    """Two write processes from the one ``ini/write.ini``, each on a port of its own."""
    env = {**os.environ, "BACKDROP_STORE_URL": f"sqlite:///{tmp_path}/shared.db",
           "BACKDROP_ADMIN_TOKEN": ADMIN}
    processes, urls = [], []
    try:
        for _ in range(2):  # the first makes the store, then the second joins it
            port = free_port()
            process = subprocess.Popen(
                [str(PSERVE), str(ROOT / "ini" / "write.ini")],
                env={**env, "BACKDROP_LISTEN": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
            wait_until_up(port, process, lambda process=process: stderr_tail(process))
        yield urls, tmp_path / "shared.db"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
            process.stderr.close()


def _bucket(url, name):
    response = requests.post(f"{url}/data-sets/{name}", json={"bucket_type": "custom"},
                             headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["bearer_token"]


def _post_all(url, token, batches, results):
    session = requests.Session()
    for number, batch in batches:
        response = session.post(f"{url}/{batch[0]['bucket']}", json=batch, timeout=120,
                                headers={"Authorization": f"Bearer {token}"})
        results.append((number, response.status_code, response.text))


def _concurrently(urls, token, batches_for):
    results = [[], []]
    threads = [threading.Thread(target=_post_all, args=(url, token, batches_for(side), results[side]))
               for side, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def _rows(db_path, bucket):
    """``(seq, data)`` of every stored record, and the bucket's ``last_seq``, read from the file."""
    connection = sqlite3.connect(db_path)
    try:
        table, last_seq = connection.execute(
            "SELECT records_table, last_seq FROM buckets WHERE name = ?", (bucket,)).fetchone()
        rows = connection.execute(f"SELECT seq, id, data FROM {table} ORDER BY seq").fetchall()
    finally:
        connection.close()
    return rows, last_seq


def test_the_same_batches_through_two_processes_are_stored_once_and_whole(writers):
    urls, db_path = writers
    token = _bucket(urls[0], "same")

    def batches_for(side):
        return [(number, [{"_id": f"b{number}-r{i}", "bucket": "same", "batch": number, "i": i,
                           "writer": side} for i in range(BATCH_SIZE)])
                for number in range(BATCHES)]

    results = _concurrently(urls, token, batches_for)
    for side in results:
        assert [(status, json.loads(text)) for _, status, text in side] == \
            [(200, {"status": "ok", "count": BATCH_SIZE})] * BATCHES

    rows, last_seq = _rows(db_path, "same")
    ids = [record_id for _, record_id, _ in rows]
    assert len(ids) == len(set(ids)) == BATCHES * BATCH_SIZE, "every record stored exactly once"
    writers_of = {}
    for _, _, data in rows:
        record = json.loads(data)
        writers_of.setdefault(record["batch"], set()).add(record["writer"])
    assert all(len(sides) == 1 for sides in writers_of.values()), \
        "a batch holds records of both posts: it was not written whole"
    assert last_seq == rows[-1][0], "the feed's write position is the newest row"


def test_different_batches_through_two_processes_are_all_stored_in_one_piece(writers):
    urls, db_path = writers
    token = _bucket(urls[1], "many")

    def batches_for(side):
        return [((side, number), [{"bucket": "many", "batch": f"{side}-{number}", "i": i}
                                  for i in range(BATCH_SIZE)]) for number in range(BATCHES)]

    results = _concurrently(urls, token, batches_for)
    assert all(status == 200 for side in results for _, status, _ in side), results
    assert sum(len(side) for side in results) == 2 * BATCHES

    rows, last_seq = _rows(db_path, "many")
    assert len(rows) == 2 * BATCHES * BATCH_SIZE
    assert len({record_id for _, record_id, _ in rows}) == len(rows), "generated ids are unique"
    seqs_of = {}
    for seq, _, data in rows:
        seqs_of.setdefault(json.loads(data)["batch"], []).append(seq)
    assert len(seqs_of) == 2 * BATCHES
    for batch, seqs in seqs_of.items():
        assert len(seqs) == BATCH_SIZE and seqs[-1] - seqs[0] == BATCH_SIZE - 1, \
            f"batch {batch} is not one contiguous run of write positions"
    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1)), "no position given twice"
    assert last_seq == len(rows)
