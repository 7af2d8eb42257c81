"""Where a process keeps its mirror: one DuckDB file per process, beside the store file.

Several read processes on one store each need a copy of their own (a DuckDB
file opens for writing in one process only). A process takes the first
free slot, ``<store file>.mirror/<n>.duckdb``: DuckDB's own file lock says
which are taken, and a restarted process takes its old slot back, with the
position it reached.

A mirror is a cache of the store, so its commits skip ``fsync`` (DuckDB's
``fsync_mode = NONE``: a catch-up commits in about 1 ms instead of 4). A
killed process loses nothing that way (the operating system still has the
writes), but a crash of the machine could leave a torn file, so a file is
trusted only in the boot it was written in (``boot_id``): after a reboot it
is rebuilt from the store.
"""
import os
import threading

import duckdb

SLOTS = 32
# Slots this process holds: DuckDB hands a second connection to an open file
# the same database instead of refusing it, so its lock only tells processes apart.
_HELD, _HELD_LOCK = set(), threading.Lock()
BOOT_ID = "/proc/sys/kernel/random/boot_id"


def boot_id():
    """This machine's boot, or None where the system does not say (then commits fsync)."""
    try:
        with open(BOOT_ID) as file:
            return file.read().strip() or None
    except OSError:
        return None


class MirrorFiles:
    def __init__(self, folder):
        self.folder = folder
        self.path = None  # the slot's file, once connected

    @staticmethod
    def beside(store):
        return os.path.abspath(store.path) + ".mirror"

    def connect(self, config):
        """A DuckDB connection on the first slot no other process (or mirror) holds."""
        os.makedirs(self.folder, exist_ok=True)
        last_error = None
        with _HELD_LOCK:
            for slot in range(SLOTS):
                path = os.path.join(self.folder, f"{slot}.duckdb")
                if path in _HELD:
                    continue
                try:
                    connection = _open_slot(path, {
                        **config, "temp_directory": os.path.join(self.folder, f"{slot}.tmp"),
                        "fsync_mode": "NONE" if boot_id() else "STANDARD"})
                except duckdb.IOException as error:  # held by another process
                    if NO_SPACE in str(error):
                        raise  # every other slot would fail alike (and leave a broken file)
                    last_error = error
                    continue
                _HELD.add(path)
                self.path = path
                return connection
        raise RuntimeError(f"backdrop: no free mirror slot in {self.folder}: {last_error}")

    def release(self):
        with _HELD_LOCK:
            _HELD.discard(self.path)
        self.path = None


# How DuckDB says a slot file is not a database: one a full disk cut short, say.
NOT_A_DATABASE = "is not a valid DuckDB database file"
NO_SPACE = "No space left on device"


def _open_slot(path, config):
    """Connect to a slot's file; a file that is not a database (a mirror is only a copy) starts again.

    A file this call created is removed again when the disk is full, so no half-made file is left.
    """
    existed = os.path.exists(path)
    try:
        return duckdb.connect(path, config=config)
    except duckdb.IOException as error:
        if NOT_A_DATABASE in str(error):
            _remove(path)
            return duckdb.connect(path, config=config)
        if NO_SPACE in str(error) and not existed:
            _remove(path)
        raise
    except duckdb.Error:  # e.g. a WAL torn by a crash of the machine: only a copy, start again
        _remove(path)
        return duckdb.connect(path, config=config)


def _remove(path):
    for name in (path, path + ".wal"):
        if os.path.exists(name):
            os.remove(name)
