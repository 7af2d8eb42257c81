"""The change feed: how a read-side copy of a bucket keeps in step with its store.

A store that offers the feed (``backdrop.interfaces.IChangeFeed``) numbers
every stored row with a write sequence number that only ever grows, and
logs every row it removes (replaced by an upsert, trimmed from a capped
bucket, deleted). A copy that holds the rows up to a ``FeedPosition`` is
brought up to date by removing the rows logged since and adding the rows
written since; a new *generation* (the bucket replaced whole, or deleted and
created again) means starting from nothing.

Rows travel as Apache Arrow record batches, so a store in another language
or process (a MongoDB change-stream feeder, say) can produce them too:

* ``_seq`` (int64): the write sequence number; ``_id`` (string);
  ``_timestamp`` (int64 microseconds since the epoch, UTC; null when absent).
* One column per record key and value type that the batch holds, named
  ``<key>:int`` (int64), ``<key>:float`` (float64), ``<key>:str`` (string)
  or ``<key>:bool`` (bool). A record's value for a key sits in exactly one
  of them; null and missing values in none.
"""
from dataclasses import dataclass

VALUE_TYPES = ("int", "float", "str", "bool")
SEQ, ID, TIMESTAMP = "_seq", "_id", "_timestamp"


def value_column(key, value_type):
    """The feed's column name for ``key``'s values of ``value_type``."""
    return f"{key}:{value_type}"


def split_value_column(name):
    """``(key, value_type)`` of a value column name, or None for ``_seq``/``_id``/``_timestamp``."""
    key, _, value_type = name.rpartition(":")
    return (key, value_type) if value_type in VALUE_TYPES and key else None


@dataclass(frozen=True)
class FeedPosition:
    """How far a bucket's feed has come.

    ``generation`` names the bucket's current life (it changes on replace-all
    and on delete + re-create); ``written`` is the newest write sequence
    number; ``removed`` the newest removal; removals up to ``forgotten`` are
    no longer kept, so a copy older than that must start again.
    """

    generation: str
    written: int
    removed: int
    forgotten: int = 0

    def follows_from(self, older):
        """True when a copy at ``older`` can reach this position by applying changes."""
        return (
            older is not None
            and older.generation == self.generation
            and older.written <= self.written
            and older.removed <= self.removed
            and older.removed >= self.forgotten
        )

    def only_appended_since(self, older):
        """True when nothing but new rows came between ``older`` and this position: every
        row held at ``older`` is still stored, so an answer over those rows and one over
        the rows written since make the answer now (``IChangeFeed.feed_aggregate``)."""
        return (
            older is not None
            and older.generation == self.generation
            and older.removed == self.removed
            and older.written <= self.written
        )


@dataclass
class FeedChanges:
    """What changed between a copy's position and ``position`` (see ``IChangeFeed``).

    ``reset`` means the copy must drop what it holds first; then ``removed``
    is empty and ``batches`` yields every row of the bucket.
    """

    position: FeedPosition
    reset: bool
    removed: list  # write sequence numbers of rows removed since
    batches: object  # an iterator of pyarrow.RecordBatch
