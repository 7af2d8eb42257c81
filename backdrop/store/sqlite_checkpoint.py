"""WAL checkpoints in a thread of their own, so that a write's COMMIT does not pay for them.

SQLite copies the WAL back into the database file (a checkpoint) inside the
COMMIT that takes the WAL past 1,000 pages: with 1,000-record batches every
11th or so COMMIT took 20-30 ms instead of 3-5, about 2.5 ms a batch on
average (``docs/benchmark.md``). After bulk writes commit, a thread of the
store runs a PASSIVE checkpoint on a connection of its own, which neither
waits for nor blocks readers and writers. When it has copied everything before
the next write begins, that write starts the WAL again from its beginning, so
the WAL stays small and its pages are rewritten rather than appended.

SQLite's own checkpoint at 1,000 pages stays as the backstop: should this
thread fall behind, the COMMIT that passes the mark copies what is left.
Durability is unchanged: every COMMIT still syncs the WAL (``synchronous=FULL``),
and a checkpoint syncs the WAL before and the database file after copying.

A checkpoint can grow the database file by as much as the WAL holds. On a
disk with less room than twice that, the thread leaves the space to writes
and to the columnar mirror (``tests/functional/operations/test_disk_full.py``):
a store recovering from a full disk is not filled again from the background.
"""
import logging
import os
import sqlite3
import threading

log = logging.getLogger(__name__)

# Rows written since the last checkpoint that wake the thread (a batch of a
# few records leaves its pages to the next bulk write or to SQLite's checkpoint).
CHECKPOINT_ROWS = 500


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` in a thread after every ``CHECKPOINT_ROWS``
    rows written; the thread starts with the first such checkpoint and ends at ``close``."""

    def __init__(self, path):
        self._path = path
        self._rows = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._closed = False

    def wrote(self, rows):
        """``rows`` rows were committed."""
        with self._lock:
            self._rows += rows
            if self._rows < CHECKPOINT_ROWS or self._closed:
                return
            self._rows = 0
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self):
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA synchronous = FULL")
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closed:
                    return
                if not _room_to_checkpoint(self._path):
                    continue
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as error:  # the next wake, or SQLite's own checkpoint, retries
                    log.warning("background WAL checkpoint of %s failed: %s", self._path, error)
        finally:
            connection.close()

    def close(self):
        """Stop the thread (after the checkpoint it may be running); a later write starts another."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()
        with self._lock:
            self._thread, self._closed, self._rows = None, False, 0


def _room_to_checkpoint(path):
    """Whether the disk has room for twice what the WAL holds."""
    try:
        wal = os.path.getsize(f"{path}-wal")
        disk = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return disk.f_bavail * disk.f_frsize > 2 * wal
