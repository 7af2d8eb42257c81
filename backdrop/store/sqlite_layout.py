"""Layout versions of the SQLite store file, and the steps from one to the next.

A file records its layout in ``PRAGMA user_version`` and the steps it went
through in the ``layout_steps`` table. Version 1 is the layout from before
versions were recorded (no change feed); a file without a version is read for
what it is (no ``buckets`` table: new; no ``buckets.last_seq``: version 1).

Opening a file (``ensure_layout``) creates a new one at the current version,
upgrades an older one in place, or refuses a newer one with a one-line
reason. An upgrade takes the write lock, copies the file as it is to a backup
beside it (``<file>.layout-<n>.bak``), then applies every step and the new
version in that same transaction: it is all done or not at all, and a second
process opening the file at the same moment waits and finds it done.
"""
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from .layout import LayoutError, newer_than_code

LAYOUT_VERSION = 2

STEPS_TABLE = """
CREATE TABLE IF NOT EXISTS layout_steps (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    backup TEXT
)
"""


@dataclass(frozen=True)
class Step:
    version: int  # the layout this step makes
    description: str
    apply: object  # apply(transaction) inside the upgrade's transaction


# Each step's DDL is written out as it was for its layout, never taken from the
# current schema: a later layout must not change what an earlier step did.
LAYOUT_2_REMOVALS = """
CREATE TABLE removals (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    records_table TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX removals_by_table ON removals (records_table, pos);
"""
LAYOUT_2_TRIGGER = """
CREATE TRIGGER {t}_removed AFTER DELETE ON {t}
BEGIN INSERT INTO removals (records_table, seq) VALUES ('{t}', OLD.seq); END;
"""


def _add_change_feed(db):
    """Layout 2: write sequence numbers that are never reused and a log of removed rows."""
    db.executescript_in_transaction(LAYOUT_2_REMOVALS)
    db.execute("ALTER TABLE buckets ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE buckets ADD COLUMN removed_through INTEGER NOT NULL DEFAULT 0")
    for (table,) in db.execute("SELECT records_table FROM buckets").fetchall():
        db.executescript_in_transaction(LAYOUT_2_TRIGGER.format(t=table))
        db.execute(
            f"UPDATE buckets SET last_seq = (SELECT COALESCE(MAX(seq), 0) FROM {table})"
            " WHERE records_table = ?", (table,))


STEPS = (
    Step(2, "change feed: write sequence numbers and a log of removed rows", _add_change_feed),
)


@dataclass(frozen=True)
class Plan:
    """What opening a file would do: its version now and the steps to the current one."""

    path: str
    found: int  # 0: a new file
    steps: tuple
    backup: str | None = None  # where the upgrade copied the file first, once carried out

    @property
    def default_backup_path(self):
        return f"{os.path.abspath(self.path)}.layout-{self.found}.bak"


def file_version(db):
    """The layout version of the open file; 0 for a new, empty one."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version:
        return version
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "buckets" not in tables:
        return 0
    columns = {row[1] for row in db.execute("PRAGMA table_info(buckets)")}
    return 2 if "last_seq" in columns else 1


def plan(db, path):
    """The ``Plan`` for this file; ``LayoutError`` when it is newer than this code."""
    found = file_version(db)
    if found > LAYOUT_VERSION:
        raise newer_than_code(path, found, LAYOUT_VERSION)
    steps = () if found == 0 else tuple(step for step in STEPS if step.version > found)
    return Plan(path, found, steps)


def applied_steps(db):
    """``[(version, description, applied_at, backup)]`` of a versioned file, oldest first."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "layout_steps" not in tables:
        return []
    return db.execute("SELECT * FROM layout_steps ORDER BY version").fetchall()


def ensure_layout(db, path, transaction):
    """Bring the file open on ``db`` to ``LAYOUT_VERSION``; the ``Plan`` that was carried out.

    ``transaction(db)`` is the store's write transaction (``BEGIN IMMEDIATE``).
    """
    if plan(db, path).found == LAYOUT_VERSION and db.execute("PRAGMA user_version").fetchone()[0]:
        return plan(db, path)  # the common case: nothing to do, no lock taken
    try:
        done = _carry_out(db, path, transaction)
    except sqlite3.Error as error:
        raise LayoutError(
            f"backdrop: could not bring {path} to layout {LAYOUT_VERSION}, it is unchanged: {error}"
        ) from None
    if done.steps:
        _forget_mirror(path)
    return done


def _carry_out(db, path, transaction):
    with transaction(db) as tx:
        done = plan(db, path)  # again, under the write lock: another process may have done it
        if done.found == 0:
            from .sqlite import SCHEMA

            tx.executescript_in_transaction(SCHEMA)
            _record(tx, [(LAYOUT_VERSION, f"created at layout {LAYOUT_VERSION}", None)])
        elif done.found == LAYOUT_VERSION:
            _record(tx, [(LAYOUT_VERSION, f"found at layout {LAYOUT_VERSION}, unversioned", None)])
        else:
            backup = _backup_beside(done)
            rows = [] if applied_steps(tx) else [(done.found, f"found at layout {done.found}", None)]
            for step in done.steps:
                step.apply(tx)
                rows.append((step.version, step.description, backup))
            _record(tx, rows)
            done = replace(done, backup=backup)
    return done


def _record(tx, rows):
    now = datetime.now(UTC).isoformat(timespec="seconds")
    tx.execute(STEPS_TABLE)
    for version, description, backup in rows:
        tx.execute("INSERT OR REPLACE INTO layout_steps VALUES (?, ?, ?, ?)",
                   (version, description, now, backup))
    tx.execute(f"PRAGMA user_version = {int(LAYOUT_VERSION)}")


def _backup_beside(done):
    """The file as it was before the upgrade, copied beside it.

    Called while the upgrade holds the write lock: a second connection reads
    the last committed state, which no one can change until the upgrade ends.
    (SQLite's backup cannot read through the connection that holds the lock.)
    """
    from .sqlite_backup import copy_to_file

    if done.path == ":memory:":
        return None
    path = done.default_backup_path
    if os.path.exists(path):
        path = f"{path}.{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    with closing(sqlite3.connect(done.path, isolation_level=None, timeout=30)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        copy_to_file(reader, path)
        reader.execute("COMMIT")
    return path


def _forget_mirror(path):
    """The read role's columnar mirror beside the file starts again after a layout change."""
    mirror = os.path.abspath(path) + ".mirror"
    if os.path.isdir(mirror):
        shutil.rmtree(mirror, ignore_errors=True)
