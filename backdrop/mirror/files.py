"""Where a process keeps its mirror: one DuckDB file per process, beside the store file.

Several read processes on one store each need a copy of their own (a DuckDB
file opens for writing in one process only). A process takes the first
free slot, ``<store file>.mirror/<n>.duckdb``: DuckDB's own file lock says
which are taken, and a restarted process takes its old slot back, with the
position it reached.
"""
import os

import duckdb

SLOTS = 32


class MirrorFiles:
    def __init__(self, folder):
        self.folder = folder

    @staticmethod
    def beside(store):
        return os.path.abspath(store.path) + ".mirror"

    def connect(self, config):
        """A DuckDB connection on the first slot no other process holds."""
        os.makedirs(self.folder, exist_ok=True)
        last_error = None
        for slot in range(SLOTS):
            path = os.path.join(self.folder, f"{slot}.duckdb")
            try:
                return duckdb.connect(path, config={
                    **config, "temp_directory": os.path.join(self.folder, f"{slot}.tmp")})
            except duckdb.IOException as error:  # held by another process
                last_error = error
        raise RuntimeError(f"backdrop: no free mirror slot in {self.folder}: {last_error}")
