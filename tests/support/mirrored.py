"""A store whose queries the columnar mirror answers: the mirror as a third store backend.

The contract suite and the property tests call store operations on one
object; this one writes through the SQLite store and answers ``aggregate``
and ``time_bounds`` from a ``ColumnarMirror`` following that store's feed,
so every contract assertion is checked against the mirror unchanged.

``merging=True`` keeps the mirror one write behind: before each insert it
brings the mirror up to date and it never catches up after a read, so every
read after an insert that ``backdrop.mirror.appended`` can merge is answered
from the mirror's rows plus the store's answer over the rows appended since.
``split_inserts`` (with ``merging``) also stores each insert as two, the mirror
brought up to date between them, so both parts of a merged answer hold rows.
"""
from backdrop.mirror.engine import ColumnarMirror
from backdrop.mirror.files import MirrorFiles
from backdrop.store.errors import BucketNotFound
from backdrop.store.sqlite import SQLiteStore


class MirroredStore:
    def __init__(self, path, mirror_folder=None, store=None, merging=False, split_inserts=False):
        self.store = store or SQLiteStore(f"sqlite:///{path}")
        self.mirror = ColumnarMirror(
            self.store, MirrorFiles(mirror_folder or MirrorFiles.beside(self.store)),
            catch_up_after=not merging)
        self.merging = merging
        self.split_inserts = split_inserts and merging

    def __getattr__(self, name):
        return getattr(self.store, name)

    def insert(self, bucket, records, capped_size=None):
        if not self.merging:
            return self.store.insert(bucket, records, capped_size)
        stored = 0
        if self.split_inserts and len(records) > 1 and capped_size is None:
            half = len(records) // 2
            self._bring_up_to_date(bucket)
            stored = self.store.insert(bucket, records[:half])
            records = records[half:]
        self._bring_up_to_date(bucket)
        return stored + self.store.insert(bucket, records, capped_size)

    def _bring_up_to_date(self, bucket):
        try:
            self.mirror.current(bucket)
        except BucketNotFound:
            pass

    def aggregate(self, bucket, query):
        return self.mirror.aggregate(bucket, query)

    def time_bounds(self, bucket, query):
        return self.mirror.time_bounds(bucket, query)

    def close(self):
        self.mirror.close()
        self.store.close()
