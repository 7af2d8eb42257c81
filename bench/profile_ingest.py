"""Where a write request's time goes: each step of ``POST /<bucket>`` timed in a real server.

    .venv/bin/python bench/profile_ingest.py [--records 200000] [--code DIR]

Runs the write role under waitress in a child process (as ``pserve`` would,
on a SQLite store in a temporary folder), with a timer around each step of
the write path, and posts the first ``--records`` events of the benchmark's
1,000,000 (so a batch spans the same stretch of time as in ``run.py``) in
1,000-record batches over one keep-alive connection. Prints each step's
milliseconds per request, the time inside the WSGI app against the client's
wall clock, the server's CPU, and ``executemany`` of the same rows into a
copy of the table (``direct.ingest_baseline``), so the ingest ratio of
``run.py`` can be read step by step. ``--code`` runs another checkout (the
one before a change, from ``git archive REV | tar -x -C DIR``) for a before
and after in the same minute. Not a benchmark: the timers cost a little.
"""
import argparse
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import dataset
import direct
from run import BUCKET, create_bucket
from server import ADMIN_TOKEN, INI, Client, cpu_seconds, free_port

# (label, module, attribute path): the write path's steps, as named in this checkout and the last.
STEPS = (
    ("auth", "backdrop.write.records", "_authorised_bucket"),
    ("body read", "backdrop.write.body", "read_limited"),
    ("shape check", "backdrop.write.body", "check_batch_shape"),
    ("JSON parse", "backdrop.write.body", "parse_json"),
    ("validation", "backdrop.write.records", "prepare_batch"),
    ("row building", "backdrop.store.sqlite", "_built_rows"),
    ("row building", "backdrop.store.sqlite", "built_rows"),
    ("lock + BEGIN", "backdrop.store.sqlite", "_Transaction.__enter__"),
    ("insert rows", "backdrop.store.sqlite", "SQLiteStore._insert_rows"),
    ("executemany", "backdrop.store.sqlite", "_TransactionConnection.executemany"),
    ("COMMIT", "backdrop.store.sqlite", "_Transaction.__exit__"),
    ("store.insert", "backdrop.store.sqlite", "SQLiteStore.insert"),
)


def _timed(totals, label, function):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - started
    return timed


def _instrument(totals):
    import importlib

    for label, module_name, path in STEPS:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        if hasattr(owner, name):
            setattr(owner, name, _timed(totals, label, getattr(owner, name)))


def _serve(ini, port, report):
    """The child: the write app under waitress, timed; writes its totals to ``report`` on SIGUSR1."""
    import waitress
    from pyramid.paster import get_app

    totals, spans = {}, []
    _instrument(totals)
    app = get_app(str(ini))

    def timed_app(environ, start_response):
        started = time.perf_counter()
        try:
            return app(environ, start_response)
        finally:
            spans.append(time.perf_counter() - started)

    def stop(*_):
        os.write(report, json.dumps({"steps": totals, "spans": spans}).encode())
        os._exit(0)

    signal.signal(signal.SIGUSR1, stop)
    waitress.serve(timed_app, host="127.0.0.1", port=port, _quiet=True)


def _wait_up(port):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            return Client(port).request("GET", "/_status")
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the write process did not come up")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--code", type=Path, help="another checkout of Backdrop to profile")
    parser.add_argument("--keep", action="store_true", help="keep the store and the inis")
    args = parser.parse_args(argv)
    if args.code:
        sys.path.insert(0, str(args.code))
    directory = Path(tempfile.mkdtemp(prefix="profile-ingest-"))
    port, db = free_port(), directory / "bench.db"
    ini = directory / "writer.ini"
    ini.write_text(INI.format(db=db, token=ADMIN_TOKEN, port=port, roles="write"))
    bodies = [json.dumps(batch).encode() for batch in itertools.islice(
        dataset.batches(1_000_000, 1000), args.records // 1000)]
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        _serve(ini, port, write_end)
    _wait_up(port)
    admin = Client(port)
    client = Client(port, create_bucket(admin))
    admin.close()
    elapsed, cpu = 0.0, cpu_seconds(child)
    for body in bodies:
        began = time.perf_counter()
        status, _, answer = client.request("POST", f"/{BUCKET}", body)
        elapsed += time.perf_counter() - began
        if status != 200:
            raise RuntimeError(f"POST failed: {status} {answer[:300]!r}")
    cpu = cpu_seconds(child) - cpu
    client.close()
    os.kill(child, signal.SIGUSR1)
    report = json.loads(os.read(read_end, 1 << 24))
    os.waitpid(child, 0)
    requests, records = len(bodies), len(bodies) * 1000
    print(f"{records:,} records in {requests} requests; ms per request (per 1,000 records):")
    for label in dict.fromkeys(label for label, *_ in STEPS):
        if label in report["steps"]:
            print(f"  {label:14} {report['steps'][label] * 1e3 / requests:7.2f}")
    inside = sum(report["spans"][-requests:]) * 1e3 / requests
    print(f"  {'in the app':14} {inside:7.2f}   client wall {elapsed * 1e3 / requests:.2f},"
          f" server CPU {cpu * 1e3 / requests:.2f}")
    check = direct.connect(str(db))
    table, _ = direct.records_table(check, BUCKET)
    check.close()
    count, seconds, _ = direct.ingest_baseline(str(db), table, str(directory / "direct.db"), 1000,
                                               records)
    print(f"HTTP {records / elapsed:,.0f} rec/s, executemany {count / seconds:,.0f} rec/s:"
          f" ratio {(records / elapsed) / (count / seconds):.3f}")
    if args.keep:
        print(f"files in {directory}")
    else:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
