"""Profile one benchmark query in-process, on a data set kept by ``run.py --keep DIR``.

    .venv/bin/python bench/profile_query.py DIR [QUERY_NUMBER] [--runs N] [--sort tottime]

Builds the app from ``DIR/reader.ini`` (the settings of the benchmark's
read process), sends the query through WebTest ``--runs`` times under
cProfile and prints the hottest functions. Queries are numbered as in the
report, from 1.
"""
import argparse
import cProfile
import pstats
import time
from pathlib import Path

from pyramid.paster import get_app
from queries import QUERIES
from run import BUCKET
from webtest import TestApp


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("query", type=int, nargs="?", default=1, choices=range(1, len(QUERIES) + 1))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--lines", type=int, default=30)
    args = parser.parse_args(argv)
    app = TestApp(get_app(str(args.directory / "reader.ini")))
    query = QUERIES[args.query - 1]
    path = query.path(BUCKET)
    app.get(path)
    started = time.perf_counter()
    for _ in range(args.runs):
        app.get(path)
    elapsed = (time.perf_counter() - started) * 1000 / args.runs
    print(f"{query.name}: {elapsed:.2f} ms per request in-process (WebTest, no profiler)\n")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.runs):
        app.get(path)
    profile.disable()
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
