"""Layout version of a MongoDB store: the document ``{"_id": "layout"}`` in ``_layout``.

The same rules as the SQLite file (``sqlite_layout``): a database without the
document is new (no collections) or of layout 1, the layout from before
versions were recorded, and gets the document; one newer than this code is
refused with a one-line reason. Layout 1 is the only MongoDB layout so far,
so there are no steps yet; a step would be listed in ``STEPS`` and recorded
in the document's ``steps``. (MongoDB cannot change several collections in
one transaction the way SQLite can, so a future step must be written to be
safe to run again; take a ``mongodump`` first, see ``backdrop backup``.)
"""
from datetime import UTC, datetime

from .layout import newer_than_code

LAYOUT_VERSION = 1
COLLECTION = "_layout"
DOCUMENT_ID = "layout"
STEPS = ()


def _database(store):
    return store._db  # the store's database, with its write concern


def found_version(db):
    """The layout of the database: the document's, else 1 if it holds anything, else 0 (new)."""
    document = db[COLLECTION].find_one({"_id": DOCUMENT_ID})
    if document is not None:
        return document["version"]
    return 1 if db.list_collection_names() else 0


def plan(store, where):
    """``(found, steps)``; ``LayoutError`` when the database is newer than this code."""
    found = found_version(_database(store))
    if found > LAYOUT_VERSION:
        raise newer_than_code(where, found, LAYOUT_VERSION)
    return found, tuple(step for step in STEPS if found and step.version > found)


def ensure_layout(store, where):
    """Record the layout of a new or unversioned database; refuse a newer one. Returns ``found``."""
    db = _database(store)
    found, _ = plan(store, where)
    if db[COLLECTION].find_one({"_id": DOCUMENT_ID}) is None:
        description = f"created at layout {LAYOUT_VERSION}" if found == 0 else "found at layout 1"
        step = {"version": LAYOUT_VERSION, "description": description,
                "applied_at": datetime.now(UTC).isoformat(timespec="seconds")}
        db[COLLECTION].update_one(
            {"_id": DOCUMENT_ID},
            {"$setOnInsert": {"version": LAYOUT_VERSION, "steps": [step]}},
            upsert=True,
        )
    return found
