"""Make ``tests/fixtures/layout-1.db`` with the Backdrop of commit c259f58 (layout 1).

Run from a checkout of that commit's ``backdrop`` package, e.g.::

    git archive c259f58 backdrop | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python tests/support/make_layout_1_fixture.py tests/fixtures/layout-1.db

It writes through that version's own store and write API, so the file is
exactly what layout 1 looked like in use: buckets of each type, upserts,
capped trims, a replaced bucket, an emptied one, and a user.
"""
import sqlite3
import sys

from webtest import TestApp

import backdrop.store.sqlite
from backdrop import main
from backdrop.buckets import new_config

path = sys.argv[1]
assert "last_seq" not in open(backdrop.store.sqlite.__file__).read(), "run it with the layout-1 code"
app = TestApp(main({}, **{
    "backdrop.roles": "read write", "backdrop.store_url": f"sqlite:///{path}",
    "backdrop.load_entry_points": "false",
}))
store = app.app.registry["backdrop.store"]
plugins = app.app.registry["backdrop.plugins"]


def bucket(name, **fields):
    config, token = new_config(name, fields, plugins)
    store.create_bucket(config)
    return {"Authorization": f"Bearer {token}"}


events = bucket("visits", data_group="site", data_type="visits", raw_queries_allowed=True,
                max_age_expected=3600)
app.post_json("/visits", [
    {"_timestamp": f"2024-01-{day:02d}T{hour:02d}:30:00+00:00", "page": f"/p{day % 3}",
     "count": day * hour, "ratio": day / 7, "mobile": day % 2 == 0, "note": None}
    for day in range(1, 15) for hour in (9, 17)
], headers=events)
app.post_json("/visits", [{"_id": "fixed", "_timestamp": "2024-01-20T00:00:00Z", "page": "/a"}],
              headers=events)
app.post_json("/visits", [{"_id": "fixed", "_timestamp": "2024-01-21T00:00:00Z", "page": "/b"}],
              headers=events)  # an upsert: the row is replaced

live = bucket("live", bucket_type="realtime", capped_size=5, raw_queries_allowed=True)
for n in range(8):  # capped: the oldest three are trimmed
    app.post_json("/live", {"_timestamp": f"2024-02-01T00:0{n}:00Z", "n": n}, headers=live)

chunks = bucket("chunks", bucket_type="custom", auto_ids=["region", "week"], raw_queries_allowed=True)
app.put_json("/chunks", [{"region": "north", "week": "1", "_start_at": "2024-01-01T00:00:00Z",
                          "_end_at": "2024-01-08T00:00:00Z", "value": 1.5}], headers=chunks)
app.put_json("/chunks", [{"region": region, "week": "2", "value": 2} for region in ("north", "south")],
             headers=chunks)  # replaced whole

emptied = bucket("emptied", bucket_type="custom")
app.post_json("/emptied", [{"x": 1}], headers=emptied)
app.put_json("/emptied", [], headers=emptied)

bucket("never-written", published=False)
store.save_user("ada@example.com", ["visits", "chunks"])
store.close()

with sqlite3.connect(path) as db:  # one self-contained file
    db.execute("PRAGMA journal_mode = DELETE")
