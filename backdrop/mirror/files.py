"""Where a process keeps its mirror: one DuckDB file per process, beside the store file.

Several read processes on one store each need a copy of their own (a DuckDB
file opens for writing in one process only). A process takes the first
free slot, ``<store file>.mirror/<n>.duckdb``: DuckDB's own file lock says
which are taken, and a restarted process takes its old slot back, with the
position it reached.
"""
import os
import threading

import duckdb

SLOTS = 32
# Slots this process holds: DuckDB hands a second connection to an open file
# the same database instead of refusing it, so its lock only tells processes apart.
_HELD, _HELD_LOCK = set(), threading.Lock()


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
                    connection = duckdb.connect(path, config={
                        **config, "temp_directory": os.path.join(self.folder, f"{slot}.tmp")})
                except duckdb.IOException as error:  # held by another process
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
