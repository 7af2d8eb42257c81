"""The write lock of a SQLite store: an OS file lock that wakes a waiting writer at once.

SQLite's own lock is taken by ``BEGIN IMMEDIATE``; a process that finds it
taken sleeps in SQLite's busy handler (1, 2, 5, 10 ... 100 ms steps) and
wakes well after the other process has committed, so two write processes
idle on a lock that is free. Every write transaction of a ``SQLiteStore``
first takes this lock instead: a thread lock within the process, then
``flock`` on ``<store>-write.lock`` beside the file. A waiting process polls
it every ``POLL_SECONDS`` (a syscall; no busy loop), so it starts within a
fraction of a millisecond of the other's commit and SQLite's lock is almost
never contended. The kernel lets go of a ``flock`` when its holder exits,
crashed or not, so a writer that dies holding it wedges nobody.

SQLite's lock stays the one that guarantees safety: writers that do not
take this lock (an older Backdrop, the ``sqlite3`` shell) still wait in
SQLite's busy handler, and a lock file that cannot be opened (a read-only
folder) leaves a store on SQLite's lock alone. A lock not had within
``wait_seconds`` is given up on, and SQLite's busy timeout decides.
"""
import fcntl
import os
import threading
import time
from contextlib import contextmanager

POLL_SECONDS = 0.0002
SUFFIX = "-write.lock"


class WriteLock:
    """``held()``: this process's turn to write to the store at ``path``."""

    def __init__(self, path, wait_seconds):
        self.path = None if path == ":memory:" else os.path.abspath(path) + SUFFIX
        self.wait_seconds = wait_seconds
        self._thread_lock = threading.Lock()
        self._fd = None
        self._unusable = self.path is None

    def _file(self):
        """The lock file's descriptor, opened once (created if need be), or None."""
        if self._fd is None and not self._unusable:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                try:  # a read-only folder may still hold the file: flock needs no write access
                    self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    self._unusable = True
        return self._fd

    @contextmanager
    def held(self):
        deadline = time.monotonic() + self.wait_seconds
        if not self._thread_lock.acquire(timeout=self.wait_seconds):
            yield  # another thread of this process is stuck in a write: SQLite decides
            return
        try:
            fd = self._file()
            locked = fd is not None and _flock(fd, deadline)
            try:
                yield
            finally:
                if locked:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _flock(fd, deadline):
    """Take the lock on ``fd`` by ``deadline``: True, or False when it stayed taken."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
