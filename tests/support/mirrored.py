"""A store whose queries the columnar mirror answers: the mirror as a third store backend.

The contract suite and the property tests call store operations on one
object; this one writes through the SQLite store and answers ``aggregate``
and ``time_bounds`` from a ``ColumnarMirror`` following that store's feed,
so every contract assertion is checked against the mirror unchanged.
"""
from backdrop.mirror.engine import ColumnarMirror
from backdrop.mirror.files import MirrorFiles
from backdrop.store.sqlite import SQLiteStore


class MirroredStore:
    def __init__(self, path, mirror_folder=None, store=None):
        self.store = store or SQLiteStore(f"sqlite:///{path}")
        self.mirror = ColumnarMirror(
            self.store, MirrorFiles(mirror_folder or MirrorFiles.beside(self.store)))

    def __getattr__(self, name):
        return getattr(self.store, name)

    def aggregate(self, bucket, query):
        return self.mirror.aggregate(bucket, query)

    def time_bounds(self, bucket, query):
        return self.mirror.time_bounds(bucket, query)

    def close(self):
        self.mirror.close()
        self.store.close()
