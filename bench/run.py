"""Backdrop benchmark: HTTP ingest and reads against DuckDB's own engine and plain SQLite.

    .venv/bin/python bench/run.py [--records N] [--runs R] [--keep DIR] [--check]

Starts a write process and a read process (``pserve``) on one SQLite file,
loads a deterministic events data set through ``POST /<bucket>`` in
1,000-record batches, then times, side by side in one run: the first
aggregate of a read process with no mirror (cold) and of one restarted with
its mirror kept; each read in ``queries.py`` over HTTP, as DuckDB SQL over a
plain table of the same rows (the limit aggregates are held to) and as
direct SQL on the store's file; 100 rounds of read-after-write; the read
process's peak memory; and HTTP ingest against ``executemany`` of the same
rows, against the release before the mirror (``--baseline-rev``) and the
write path before issue 9 (``--before-rev``, server CPU per record), each run
from a git worktree; and one write process with one client against two write
processes on one store with two clients. Results also go to
``bench/out/results.json``.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dataset
import direct
import duck
from queries import QUERIES, WEEKS_52, answer_duck
from server import ADMIN_TOKEN, Client, RSSSampler, Server, cpu_seconds

BUCKET = "bench"
QUERY_RATIO, QUERY_SLACK_MS = 2.0, 3.0  # aggregates: within 2x DuckDB's time + 3 ms
RAW_LIMIT_MS = 5.0
INGEST_RATIO = 0.6  # HTTP ingest / executemany of the same rows (InfluxDB's rate here)
SCALING_RATIO = 1.6  # two write processes and two clients / one and one
INGEST_VS_BASELINE = 0.95  # not lower than the release before (5% for a noisy 2-core box)
READ_AFTER_WRITE_ROUNDS, READ_AFTER_WRITE_SLACK_MS = 100, 10.0
COLD_LIMIT_S, RESTART_LIMIT_S = 5.0, 1.0
MB = 1024 * 1024
BASELINE_REV = "c259f58"  # the last release before the columnar mirror
BEFORE_REV = "220085f"  # the write path before issue 9 (the lean write path)
OUT = Path(__file__).resolve().parent / "out" / "results.json"
ROOT = Path(__file__).resolve().parent.parent


def rss_limit(records):
    """Read process peak: 200 MB up to a million records, 400 MB up to ten million."""
    return (200 if records <= 1_000_000 else 400) * MB


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="records per POST")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    parser.add_argument("--seed", type=int, default=dataset.SEED)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--baseline-rev", default=BASELINE_REV,
                        help="git revision whose ingest this run's must match ('' to skip)")
    parser.add_argument("--baseline-records", type=int, default=1_000_000,
                        help="records for each side of the ingest comparison with the baseline")
    parser.add_argument("--before-rev", default=BEFORE_REV,
                        help="git revision whose server CPU per record is reported ('' to skip)")
    parser.add_argument("--scaling-records", type=int, default=None,
                        help="records for each side of one vs two write processes (--records)")
    return parser.parse_args(argv)


def create_bucket(client):
    status, body = client.json(
        "POST", f"/data-sets/{BUCKET}",
        {"bucket_type": "events", "raw_queries_allowed": True}, token=ADMIN_TOKEN,
    )
    if status != 201:
        raise RuntimeError(f"creating the bucket failed: {status} {body}")
    return body["bearer_token"]


def ingest(client, pid, args, records=None, bucket=BUCKET):
    """Records/s through the write API, counting only time spent in requests."""
    records = records or args.records
    elapsed, count, started, cpu = 0.0, 0, time.perf_counter(), cpu_seconds(pid)
    report_every = max(1, records // 10)
    for batch in dataset.batches(records, args.batch, args.seed):
        body = json.dumps(batch).encode()
        began = time.perf_counter()
        status, _, answer = client.request("POST", f"/{bucket}", body)
        elapsed += time.perf_counter() - began
        if status != 200:
            raise RuntimeError(f"POST failed after {count} records: {status} {answer[:500]!r}")
        previous, count = count, count + len(batch)
        if count // report_every != previous // report_every:
            print(f"  loaded {count:,} records ({count / elapsed:,.0f}/s in requests,"
                  f" {time.perf_counter() - started:,.0f}s wall)", flush=True)
    cpu = cpu_seconds(pid) - cpu
    return {"records": count, "seconds": elapsed, "per_second": count / elapsed,
            "cpu_seconds": cpu, "cpu_us_per_record": cpu * 1e6 / count}


def get(client, path):
    """Milliseconds for one GET (request sent to body read), and the response."""
    began = time.perf_counter()
    status, _, body = client.request("GET", path)
    return (time.perf_counter() - began) * 1000, status, body


def run_queries(client, pid, connection, duckdb, table, columns, runs):
    """Each query over HTTP, as DuckDB SQL and as direct SQLite SQL, alternating run by run.

    Alternating means every side sees the same background load on a shared
    machine; each is warmed up once first and reported as a median. CPU time
    (the server's, per request) is kept too: it hardly moves with other load.
    """
    results = []
    for query in QUERIES:
        path, sql = query.path(BUCKET), query.statement(table, columns)
        forms = query.forms(table, columns)
        result = {"query": query.name, "path": path, "sql": sql, "duck_sql": query.duck_sql,
                  "aggregate": query.aggregate}
        _, status, body = get(client, path)
        direct.time_fastest(connection, forms)
        duck.time_query(duckdb, query.duck_sql, query.args)
        if status != 200:
            result.update(backdrop_ms=None, met=False,
                          error=f"{status} {body[:300].decode(errors='replace')}")
            results.append(result)
            print(f"  {query.name}: HTTP {result['error']}", flush=True)
            continue
        http_times, sql_times, duck_times = [], [], []
        server_cpu = cpu_seconds(pid)
        for _ in range(runs):
            http_ms, status, body = get(client, path)
            sql_ms, _, rows = direct.time_fastest(connection, forms)
            duck_ms, _, duck_rows = duck.time_query(duckdb, query.duck_sql, query.args)
            http_times.append(http_ms)
            sql_times.append(sql_ms)
            duck_times.append(duck_ms)
        server_cpu_ms = (cpu_seconds(pid) - server_cpu) * 1000 / runs
        http_ms, sql_ms = statistics.median(http_times), statistics.median(sql_times)
        duck_ms = statistics.median(duck_times)
        allowed = QUERY_RATIO * duck_ms + QUERY_SLACK_MS if query.aggregate else RAW_LIMIT_MS
        answer = query.answer_http(json.loads(body)["data"])
        result.update(
            backdrop_ms=http_ms, duckdb_ms=duck_ms, sqlite_ms=sql_ms, allowed_ms=allowed,
            met=http_ms <= allowed,
            same_answer=answer == query.answer_sql(rows) == answer_duck(query, duck_rows),
            backdrop_runs_ms=http_times, duckdb_runs_ms=duck_times, sqlite_runs_ms=sql_times,
            server_cpu_ms=server_cpu_ms,
        )
        results.append(result)
        print(f"  {query.name}: {http_ms:.2f} ms; DuckDB {duck_ms:.2f} ms;"
              f" SQLite {sql_ms:.2f} ms", flush=True)
    return results


def first_answer(directory, db, name):
    """Start a read process and time its first weekly aggregate (and from process start)."""
    server = Server(directory, roles="read", name=name, db=db).start()
    ready = time.perf_counter()
    client = Client(server.port)
    status, _, body = client.request("GET", QUERIES[0].path(BUCKET))
    done = time.perf_counter()
    client.close()
    if status != 200:
        raise RuntimeError(f"first read failed: {status} {body[:300]!r}")
    return server, {"seconds": done - ready, "from_process_start": done - server.started_at}


def read_after_write(writer, reader, args, steady_ms):
    """Rounds of (POST 1,000 records, then the weekly count): each answer must count them."""
    weekly = QUERIES[0]
    _, _, body = reader.request("GET", weekly.path(BUCKET))
    total = sum(row["_count"] for row in json.loads(body)["data"])
    times, repeats, missed = [], [], 0
    moment = WEEKS_52[0].replace("T00:00:00Z", "T12:00:00Z")
    for round_ in range(READ_AFTER_WRITE_ROUNDS):
        batch = [{"_timestamp": moment, "authority": "read-after-write", "round": round_,
                  "value": n} for n in range(args.batch)]
        status, _, answer = writer.request("POST", f"/{BUCKET}", json.dumps(batch).encode())
        if status != 200:
            raise RuntimeError(f"read-after-write POST failed: {status} {answer[:300]!r}")
        total += len(batch)
        query_ms, status, body = get(reader, weekly.path(BUCKET))
        times.append(query_ms)
        if status != 200 or sum(row["_count"] for row in json.loads(body)["data"]) != total:
            missed += 1
        repeats.append(get(reader, weekly.path(BUCKET))[0])  # no catch-up: what it cost
    p95 = sorted(times)[int(0.95 * len(times)) - 1]
    allowed = steady_ms + READ_AFTER_WRITE_SLACK_MS
    return {"rounds": READ_AFTER_WRITE_ROUNDS, "p95_ms": p95, "median_ms": statistics.median(times),
            "repeat_median_ms": statistics.median(repeats),
            "steady_ms": steady_ms, "allowed_ms": allowed, "missed": missed,
            "met": p95 <= allowed and missed == 0}


def baseline_ingest(args, directory, rev=None, label="baseline"):
    """HTTP ingest of this checkout and of the release ``rev`` (``--baseline-rev``), batch by batch.

    Both write processes run at once, each on a store of its own; every batch
    goes to both, in alternating order, so both see the same background load
    (the machine is shared and noisy). Only the time inside requests counts.
    """
    rev, records = rev or args.baseline_rev, args.baseline_records
    tree = Path(directory) / f"{label}-code"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree),
                    rev], check=True, capture_output=True)
    servers, clients = {}, {}
    try:
        for side, code in (("baseline", tree), ("this", None)):
            side_dir = Path(directory) / f"ingest-{label}-{side}"
            side_dir.mkdir()
            servers[side] = Server(side_dir, roles="write", name=side, code=code).start()
            admin = Client(servers[side].port)
            clients[side] = Client(servers[side].port, create_bucket(admin))
            admin.close()
        elapsed = {side: 0.0 for side in servers}
        cpu = {side: cpu_seconds(server.process.pid) for side, server in servers.items()}
        count = 0
        for number, batch in enumerate(dataset.batches(records, args.batch, args.seed)):
            body = json.dumps(batch).encode()
            for side in (("baseline", "this") if number % 2 else ("this", "baseline")):
                began = time.perf_counter()
                status, _, answer = clients[side].request("POST", f"/{BUCKET}", body)
                elapsed[side] += time.perf_counter() - began
                if status != 200:
                    raise RuntimeError(f"{side} POST failed: {status} {answer[:300]!r}")
            count += len(batch)
        figures = {
            side: {"records": count, "seconds": elapsed[side],
                   "per_second": count / elapsed[side],
                   "cpu_us_per_record":
                       (cpu_seconds(servers[side].process.pid) - cpu[side]) * 1e6 / count}
            for side in servers}
    finally:
        for client in clients.values():
            client.close()
        for server in servers.values():
            server.stop()
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
    figures["ratio"] = figures["this"]["per_second"] / figures["baseline"]["per_second"]
    figures["rev"] = rev
    figures["met"] = figures["ratio"] >= INGEST_VS_BASELINE
    return figures


def _post_bodies(client, bodies):
    for body in bodies:
        status, _, answer = client.request("POST", f"/{BUCKET}", body)
        if status != 200:
            raise RuntimeError(f"POST failed: {status} {answer[:300]!r}")


def _load_through(servers, bodies):
    """Wall seconds and server CPU seconds to post ``bodies``, one client per server at once.

    Batches go round-robin to the clients; each client thread posts its share
    on its own keep-alive connection to its own write process.
    """
    clients = [Client(server.port, server.token) for server in servers]
    shares = [bodies[index::len(clients)] for index in range(len(clients))]
    errors = []

    def post(client, share):
        try:
            _post_bodies(client, share)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, shares, strict=True)]
    cpu = sum(cpu_seconds(server.process.pid) for server in servers)
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cpu = sum(cpu_seconds(server.process.pid) for server in servers) - cpu
    for client in clients:
        client.close()
    if errors:
        raise errors[0]
    return seconds, cpu


def scaling(args, directory):
    """One write process and one client against two write processes on one store and two clients.

    The same pre-encoded batches (so the clients cost little CPU) on a fresh
    store each side; wall-clock time from the first request to the last answer.
    """
    records = args.scaling_records or args.records
    bodies = [json.dumps(batch).encode()
              for batch in dataset.batches(records, args.batch, args.seed)]
    figures = {}
    for processes in (1, 2):
        side_dir = Path(directory) / f"scaling-{processes}"
        side_dir.mkdir()
        servers = []
        try:
            for number in range(processes):  # the first makes the store, the second joins it
                server = Server(side_dir, roles="write", name=f"writer-{number}",
                                db=side_dir / "bench.db").start()
                servers.append(server)
            admin = Client(servers[0].port)
            token = create_bucket(admin)
            admin.close()
            for server in servers:
                server.token = token
            seconds, cpu = _load_through(servers, bodies)
            check = direct.connect(str(side_dir / "bench.db"))
            table, _ = direct.records_table(check, BUCKET)
            (stored,) = check.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            check.close()
        finally:
            for server in servers:
                server.stop()
        if stored != records:
            raise RuntimeError(f"{processes} write processes stored {stored} of {records} records")
        figures[f"processes_{processes}"] = {
            "records": records, "seconds": seconds, "per_second": records / seconds,
            "cpu_us_per_record": cpu * 1e6 / records}
        print(f"  {processes} write process(es): {records / seconds:,.0f} rec/s,"
              f" server CPU {cpu * 1e6 / records:.1f} us per record", flush=True)
    figures["ratio"] = figures["processes_2"]["per_second"] / figures["processes_1"]["per_second"]
    figures["target"] = SCALING_RATIO
    figures["met"] = figures["ratio"] >= SCALING_RATIO
    return figures


def benchmark(args, directory):
    writer = Server(directory, roles="write", name="writer").start()
    reader = None
    try:
        admin = Client(writer.port)
        token = create_bucket(admin)
        admin.close()
        client = Client(writer.port, token)
        print(f"Loading {args.records:,} records in batches of {args.batch:,}...", flush=True)
        http_ingest = ingest(client, writer.process.pid, args)
        connection = direct.connect(str(writer.db))
        table, columns = direct.records_table(connection, BUCKET)
        print("Copying the rows into a plain DuckDB table...", flush=True)
        duckdb = duck.load(str(writer.db), table, columns)
        print("A read process with no mirror, then restarted with its mirror kept...", flush=True)
        shutil.rmtree(f"{writer.db}.mirror", ignore_errors=True)
        reader, cold = first_answer(directory, writer.db, "reader-cold")
        cold_peak = reader.peak_rss_bytes()
        reader.stop()
        reader, restart = first_answer(directory, writer.db, "reader")
        print(f"  cold {cold['seconds']:.2f} s; restarted {restart['seconds']:.3f} s", flush=True)
        read_client = Client(reader.port)
        print(f"Timing queries ({args.runs} runs each, median)...", flush=True)
        load_before = os.getloadavg()
        with RSSSampler(reader.process.pid) as sampler:
            queries = run_queries(read_client, reader.process.pid, connection, duckdb, table,
                                  columns, args.runs)
        load = {"before_queries": load_before, "after_queries": os.getloadavg(),
                "cpus": os.cpu_count()}
        print(f"Read-after-write, {READ_AFTER_WRITE_ROUNDS} rounds...", flush=True)
        client.close()  # idle since the ingest: waitress may have closed it
        client = Client(writer.port, token)
        after_write = read_after_write(client, read_client, args, queries[0]["backdrop_ms"])
        client.close()
        read_client.close()
        connection.close()
        duckdb.close()
        warm_peak = reader.peak_rss_bytes()
        read_peak = max(cold_peak or 0, warm_peak or 0)
        mirror_bytes = sum(f.stat().st_size for f in Path(f"{writer.db}.mirror").glob("*.duckdb"))
    finally:
        writer.stop()
        if reader:
            reader.stop()
    print("Timing direct executemany of the same rows...", flush=True)
    count, seconds, cpu = direct.ingest_baseline(
        str(writer.db), table, str(Path(directory) / "direct.db"), args.batch, args.records
    )
    direct_ingest = {"records": count, "seconds": seconds, "per_second": count / seconds,
                     "cpu_seconds": cpu, "cpu_us_per_record": cpu * 1e6 / count}
    versus_baseline = versus_before = None
    if args.baseline_rev:
        print(f"Ingest against the release before the mirror ({args.baseline_rev})...", flush=True)
        versus_baseline = baseline_ingest(args, directory)
    if args.before_rev:
        print(f"Ingest against the write path before issue 9 ({args.before_rev})...", flush=True)
        versus_before = baseline_ingest(args, directory, args.before_rev, "before")
    print("One write process and one client, then two and two, on one store...", flush=True)
    two_processes = scaling(args, directory)
    return {
        "records": args.records, "batch": args.batch, "runs": args.runs, "seed": args.seed,
        "queries": queries, "load_average": load,
        "ingest": {"backdrop": http_ingest, "direct": direct_ingest,
                   "ratio": http_ingest["per_second"] / direct_ingest["per_second"],
                   "target": INGEST_RATIO, "versus_baseline": versus_baseline,
                   "versus_before": versus_before, "two_processes": two_processes},
        "cold_first_answer": {**cold, "limit": COLD_LIMIT_S},
        "restart_first_answer": {**restart, "limit": RESTART_LIMIT_S},
        "read_after_write": after_write,
        "mirror": {"file_bytes": mirror_bytes,
                   "store_file_bytes": Path(writer.db).stat().st_size},
        "rss": {"query_phase_peak": sampler.peak, "read_process_peak": read_peak,
                "cold_process_peak": cold_peak, "restarted_process_peak": warm_peak,
                "limit": rss_limit(args.records)},
    }


def _times(ratio):
    return "n/a" if ratio is None else f"{ratio:.1f}x"


def _targets(results):
    met = {q["query"]: q["met"] for q in results["queries"]}
    met["answers match DuckDB and SQLite"] = all(q.get("same_answer") for q in results["queries"])
    met["read-after-write"] = results["read_after_write"]["met"]
    met["read process peak RSS"] = results["rss"]["read_process_peak"] <= results["rss"]["limit"]
    if results["records"] <= 1_000_000:
        met["cold first aggregate"] = results["cold_first_answer"]["seconds"] <= COLD_LIMIT_S
    met["restart first answer"] = results["restart_first_answer"]["seconds"] <= RESTART_LIMIT_S
    met["ingest ratio"] = results["ingest"]["ratio"] >= INGEST_RATIO
    if results["ingest"]["versus_baseline"]:
        met["ingest vs release before"] = results["ingest"]["versus_baseline"]["met"]
    met["two write processes"] = results["ingest"]["two_processes"]["met"]
    return met


def report(results):
    lines = [f"Backdrop benchmark: {results['records']:,} events, median of {results['runs']} runs",
             "", f"{'query':<36} {'Backdrop':>10} {'DuckDB':>9} {'SQLite':>9} {'allowed':>9}  met"]
    for q in results["queries"]:
        if q["backdrop_ms"] is None:
            lines.append(f"{q['query']:<36} {'error':>10}  {q['error']}")
            continue
        note = "" if q["same_answer"] else "  (ANSWERS DIFFER)"
        lines.append(
            f"{q['query']:<36} {q['backdrop_ms']:>8.2f}ms {q['duckdb_ms']:>7.2f}ms"
            f" {q['sqlite_ms']:>7.2f}ms {q['allowed_ms']:>7.2f}ms  {'yes' if q['met'] else 'NO'}"
            f"{note}")
    ingest, rss = results["ingest"], results["rss"]
    after, cold, restart = (results["read_after_write"], results["cold_first_answer"],
                            results["restart_first_answer"])
    lines += [
        "",
        f"read-after-write: p95 {after['p95_ms']:.2f} ms (allowed {after['allowed_ms']:.2f} ms),"
        f" {after['missed']} of {after['rounds']} answers missed the new records"
        f"  {'yes' if after['met'] else 'NO'}",
        f"  median {after['median_ms']:.2f} ms after each write, {after['repeat_median_ms']:.2f} ms"
        f" asked again at once (steady {after['steady_ms']:.2f} ms)",
        f"first aggregate, cold {results['records']:,}-record mirror: {cold['seconds']:.2f} s"
        f" ({cold['from_process_start']:.2f} s from process start; limit {COLD_LIMIT_S} s)",
        f"first answer after a restart with the mirror kept: {restart['seconds']:.3f} s"
        f" ({restart['from_process_start']:.2f} s from process start; limit {RESTART_LIMIT_S} s)",
        f"read process peak RSS: {rss['read_process_peak'] / MB:.0f} MB"
        f" (limit {rss['limit'] // MB} MB); during queries {rss['query_phase_peak'] / MB:.0f} MB;"
        f" the cold process {(rss['cold_process_peak'] or 0) / MB:.0f} MB, the restarted one"
        f" (queries, read-after-write) {(rss['restarted_process_peak'] or 0) / MB:.0f} MB",
        f"mirror file: {results['mirror']['file_bytes'] / MB:.0f} MB"
        f" (store file {results['mirror']['store_file_bytes'] / MB:.0f} MB)",
        f"ingest: Backdrop HTTP {ingest['backdrop']['per_second']:,.0f} rec/s,"
        f" direct executemany {ingest['direct']['per_second']:,.0f} rec/s,"
        f" ratio {ingest['ratio']:.3f} (target >= {INGEST_RATIO})",
        f"ingest CPU per record: server {ingest['backdrop']['cpu_us_per_record']:.0f} us,"
        f" direct {ingest['direct']['cpu_us_per_record']:.0f} us",
    ]
    baseline = ingest["versus_baseline"]
    if baseline:
        lines.append(
            f"ingest vs {baseline['rev']} ({baseline['this']['records']:,} records each):"
            f" {baseline['this']['per_second']:,.0f} vs {baseline['baseline']['per_second']:,.0f}"
            f" rec/s, ratio {baseline['ratio']:.3f} (target >= {INGEST_VS_BASELINE});"
            f" server CPU {baseline['this']['cpu_us_per_record']:.0f} vs"
            f" {baseline['baseline']['cpu_us_per_record']:.0f} us per record")
    before = ingest.get("versus_before")
    if before:
        lines.append(
            f"server CPU per record, before ({before['rev']}) and after:"
            f" {before['baseline']['cpu_us_per_record']:.1f} -> {before['this']['cpu_us_per_record']:.1f} us"
            f" ({before['baseline']['per_second']:,.0f} -> {before['this']['per_second']:,.0f} rec/s"
            f" side by side, {before['this']['records']:,} records each)")
    two = ingest["two_processes"]
    lines.append(
        f"two write processes and two clients: {two['processes_2']['per_second']:,.0f} rec/s vs"
        f" one and one {two['processes_1']['per_second']:,.0f} rec/s, ratio {two['ratio']:.2f}"
        f" (target >= {SCALING_RATIO}); server CPU {two['processes_2']['cpu_us_per_record']:.1f} vs"
        f" {two['processes_1']['cpu_us_per_record']:.1f} us per record")
    load = results["load_average"]
    if max(load["before_queries"][0], load["after_queries"][0]) > load["cpus"]:
        lines.append(f"warning: load average {load['after_queries'][0]:.1f} on {load['cpus']} CPUs"
                     " during the query phase; timings are noisy")
    met = _targets(results)
    missed = [name for name, ok in met.items() if not ok]
    lines.append(f"targets met: {sum(met.values())} of {len(met)}"
                 + (f"; missed: {', '.join(missed)}" if missed else ""))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.keep:
        directory = Path(args.keep)
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("bench.db", "bench.db-wal", "bench.db-shm", "direct.db", "direct.db-wal",
                     "direct.db-shm"):
            (directory / name).unlink(missing_ok=True)
        shutil.rmtree(directory / "bench.db.mirror", ignore_errors=True)
    else:
        directory = Path(tempfile.mkdtemp(prefix="backdrop-bench-"))
    try:
        results = benchmark(args, directory)
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    results["targets_met"] = _targets(results)
    print()
    print(report(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return 1 if args.check and not all(results["targets_met"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
