"""Backdrop benchmark: HTTP ingest and queries against the same work done in plain SQLite.

    .venv/bin/python bench/run.py [--records N] [--runs R] [--keep DIR]

Starts ``pserve`` on a temporary ini and SQLite file, loads a deterministic
events data set through ``POST /<bucket>`` in 1,000-record batches, times the
read queries in ``queries.py`` over HTTP and as direct SQL on the same file,
and prints each ratio (Backdrop / direct SQL) with the targets from the
issue. Results also go to ``bench/out/results.json``.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import dataset
import direct
from queries import QUERIES
from server import ADMIN_TOKEN, Client, RSSSampler, Server, cpu_seconds

BUCKET = "bench"
QUERY_RATIO, QUERY_SLACK_MS = 2.0, 5.0
INGEST_RATIO = 0.25
RSS_LIMIT = 300 * 1024 * 1024
OUT = Path(__file__).resolve().parent / "out" / "results.json"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="records per POST")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    parser.add_argument("--seed", type=int, default=dataset.SEED)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


def create_bucket(client):
    status, body = client.json(
        "POST", f"/data-sets/{BUCKET}",
        {"bucket_type": "events", "raw_queries_allowed": True}, token=ADMIN_TOKEN,
    )
    if status != 201:
        raise RuntimeError(f"creating the bucket failed: {status} {body}")
    return body["bearer_token"]


def ingest(client, pid, args):
    """Records/s through the write API, counting only time spent in requests."""
    elapsed, count, started, cpu = 0.0, 0, time.perf_counter(), cpu_seconds(pid)
    report_every = max(1, args.records // 10)
    for batch in dataset.batches(args.records, args.batch, args.seed):
        body = json.dumps(batch).encode()
        began = time.perf_counter()
        status, _, answer = client.request("POST", f"/{BUCKET}", body)
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


def run_queries(client, pid, connection, table, columns, runs):
    """Each query over HTTP and as direct SQL, alternating run by run.

    Alternating means both sides see the same background load on a shared
    machine; each side is warmed up once first and reported as a median.
    CPU time (the server's, per request, against the SQL thread's) is also
    kept: unlike wall time it hardly moves when other work shares the CPUs.
    """
    results = []
    for query in QUERIES:
        path, sql = query.path(BUCKET), query.statement(table, columns)
        forms = query.forms(table, columns)
        result = {"query": query.name, "path": path, "sql": sql, "sql_forms": len(forms)}
        _, status, body = get(client, path)
        direct.time_fastest(connection, forms)
        if status != 200:
            result.update(backdrop_ms=None, direct_ms=None, met=False,
                          error=f"{status} {body[:300].decode(errors='replace')}")
            results.append(result)
            print(f"  {query.name}: HTTP {result['error']}", flush=True)
            continue
        http_times, sql_times, sql_cpu = [], [], 0.0
        server_cpu = cpu_seconds(pid)
        for _ in range(runs):
            http_ms, status, body = get(client, path)
            sql_ms, cpu_ms, rows = direct.time_fastest(connection, forms)
            http_times.append(http_ms)
            sql_times.append(sql_ms)
            sql_cpu += cpu_ms
        server_cpu_ms = (cpu_seconds(pid) - server_cpu) * 1000 / runs
        http_ms, sql_ms = statistics.median(http_times), statistics.median(sql_times)
        allowed = max(QUERY_RATIO * sql_ms, sql_ms + QUERY_SLACK_MS)
        result.update(
            backdrop_ms=http_ms, direct_ms=sql_ms, ratio=http_ms / sql_ms, allowed_ms=allowed,
            met=http_ms <= allowed,
            same_answer=query.answer_http(json.loads(body)["data"]) == query.answer_sql(rows),
            backdrop_runs_ms=http_times, direct_runs_ms=sql_times,
            server_cpu_ms=server_cpu_ms, direct_cpu_ms=sql_cpu / runs,
            cpu_ratio=server_cpu_ms / (sql_cpu / runs) if sql_cpu else None,
        )
        results.append(result)
        print(f"  {query.name}: {http_ms:.2f} ms vs {sql_ms:.2f} ms direct", flush=True)
    return results


def benchmark(args, directory):
    server = Server(directory).start()
    try:
        admin = Client(server.port)
        token = create_bucket(admin)
        admin.close()
        client = Client(server.port, token)
        print(f"Loading {args.records:,} records in batches of {args.batch:,}...", flush=True)
        http_ingest = ingest(client, server.process.pid, args)
        connection = direct.connect(str(server.db))
        table, columns = direct.records_table(connection, BUCKET)
        rss_before = server_rss(server)
        print(f"Timing queries ({args.runs} runs each, median)...", flush=True)
        load_before = os.getloadavg()
        with RSSSampler(server.process.pid) as sampler:
            queries = run_queries(client, server.process.pid, connection, table, columns, args.runs)
        load = {"before_queries": load_before, "after_queries": os.getloadavg(),
                "cpus": os.cpu_count()}
        client.close()
        connection.close()
        peak_overall = server.peak_rss_bytes()
    finally:
        server.stop()
    print("Timing direct executemany of the same rows...", flush=True)
    count, seconds, cpu = direct.ingest_baseline(
        str(server.db), table, str(Path(directory) / "direct.db"), args.batch
    )
    direct_ingest = {"records": count, "seconds": seconds, "per_second": count / seconds,
                     "cpu_seconds": cpu, "cpu_us_per_record": cpu * 1e6 / count}
    return {
        "records": args.records, "batch": args.batch, "runs": args.runs, "seed": args.seed,
        "queries": queries, "load_average": load,
        "ingest": {"backdrop": http_ingest, "direct": direct_ingest,
                   "ratio": http_ingest["per_second"] / direct_ingest["per_second"],
                   "target": INGEST_RATIO},
        "rss": {"before_queries": rss_before, "query_phase_peak": sampler.peak,
                "process_peak": peak_overall, "limit": RSS_LIMIT},
    }


def server_rss(server):
    from psutil import Process
    return Process(server.process.pid).memory_info().rss


def _times(ratio):
    return "n/a" if ratio is None else f"{ratio:.1f}x"


def _targets(results):
    met = {q["query"]: q["met"] for q in results["queries"]}
    met["ingest ratio"] = results["ingest"]["ratio"] >= INGEST_RATIO
    met["query-phase RSS"] = results["rss"]["query_phase_peak"] < RSS_LIMIT
    met["answers match SQL"] = all(q.get("same_answer") for q in results["queries"])
    return met


def report(results):
    mb = 1024 * 1024
    lines = [f"Backdrop benchmark: {results['records']:,} events, median of {results['runs']} runs",
             "", f"{'query':<36} {'Backdrop':>10} {'direct':>10} {'ratio':>6} {'allowed':>9}  met"
             f"  {'cpu ratio':>9}"]
    for q in results["queries"]:
        if q["backdrop_ms"] is None:
            lines.append(f"{q['query']:<36} {'error':>10}  {q['error']}")
            continue
        note = "" if q["same_answer"] else "  (ANSWER DIFFERS FROM SQL)"
        lines.append(
            f"{q['query']:<36} {q['backdrop_ms']:>8.2f}ms {q['direct_ms']:>8.2f}ms"
            f" {q['ratio']:>5.1f}x {q['allowed_ms']:>7.2f}ms  {'yes' if q['met'] else 'NO ':<3}"
            f"  {_times(q['cpu_ratio']):>9}{note}"
        )
    ingest, rss = results["ingest"], results["rss"]
    lines += [
        "",
        f"ingest: Backdrop HTTP {ingest['backdrop']['per_second']:,.0f} rec/s,"
        f" direct executemany {ingest['direct']['per_second']:,.0f} rec/s,"
        f" ratio {ingest['ratio']:.3f} (target >= {INGEST_RATIO})"
        f"  {'yes' if ingest['ratio'] >= INGEST_RATIO else 'NO'}",
        f"ingest CPU per record: server {ingest['backdrop']['cpu_us_per_record']:.0f} us,"
        f" direct {ingest['direct']['cpu_us_per_record']:.0f} us",
        f"server RSS: {rss['before_queries'] / mb:.0f} MB before queries,"
        f" peak {rss['query_phase_peak'] / mb:.0f} MB during queries (target < {RSS_LIMIT // mb} MB)"
        f"  {'yes' if rss['query_phase_peak'] < RSS_LIMIT else 'NO'}",
    ]
    load = results["load_average"]
    if max(load["before_queries"][0], load["after_queries"][0]) > load["cpus"]:
        lines.append(f"warning: load average {load['after_queries'][0]:.1f} on {load['cpus']} CPUs"
                     " during the query phase; timings are noisy")
    met = _targets(results)
    lines.append(f"targets met: {sum(met.values())} of {len(met)}")
    if rss["process_peak"]:
        lines.append(f"server VmHWM (whole run, including ingest): {rss['process_peak'] / mb:.0f} MB")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.keep:
        directory = Path(args.keep)
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("bench.db", "bench.db-wal", "bench.db-shm", "direct.db", "direct.db-wal",
                     "direct.db-shm"):
            (directory / name).unlink(missing_ok=True)
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
