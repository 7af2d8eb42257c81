"""The store interface: every storage operation Backdrop performs, in one place.

Both backends (``backdrop.store.sqlite.SQLiteStore`` and
``backdrop.store.mongo.MongoStore``) implement it and pass the same contract
suite (``tests/store``). Views find the store with
``request.find_service(IStore)``.

Conventions shared by every method:

* A *bucket config* is a plain dict with the keys of SPEC section 1
  (``name``, ``data_group``, ``data_type``, ``bucket_type``,
  ``raw_queries_allowed``, ``queryable``, ``published``, ``auto_ids``,
  ``capped_size``, ``max_age_expected``, ``upload_format``,
  ``upload_filters``) plus ``token_hash`` (never the token itself).
* A *prepared record* is a dict whose values are ``str``, ``int``, ``float``,
  ``bool`` or ``None``, except ``_timestamp``, ``_start_at`` and ``_end_at``
  which are timezone-aware UTC ``datetime`` objects. ``_id`` is always set
  (the write path generates one when the client did not). ``_updated_at`` is
  stamped by the store. The store computes the period starts
  (``backdrop.periods.period_starts``) of ``_timestamp`` when present.
* Records come back from ``raw`` in the same shape: user fields, ``_id`` as a
  string and the ``_timestamp``/``_start_at``/``_end_at`` datetimes; never
  ``_updated_at`` or period starts.
* Every write is atomic and acknowledged only once durable.
"""
from zope.interface import Attribute, Interface


class IQueryEngine(Interface):
    """What the read API asks of whatever answers its queries (``backdrop.query.Query``):
    the store itself, or the read role's columnar mirror of it (``backdrop.mirror``).
    Views find the one a process uses with ``request.find_service(IReadEngine)``."""

    def raw(bucket, query):
        """Matching records (see module docstring), sorted and limited per the query.

        Default order is ``_timestamp`` ascending then write order; records
        without ``_timestamp`` sort first.
        """

    def raw_json(bucket, query):
        """The records of ``raw(bucket, query)`` as the JSON texts a raw answer shows, one per
        record: ``backdrop.raw_text.record_text`` of each, which a store may write faster itself
        (the read API joins them into the response without parsing them)."""

    def aggregate(bucket, query):
        """Group matching records by ``query.group_by`` keys and ``query.period``.

        Returns a list of ``backdrop.query.Group``: one per distinct key
        combination (records missing any group key are left out) and period
        start, with the record count and one value per ``query.collect``
        entry computed by the database. Rows are ordered by keys then period;
        for queries without a period the store applies ``query.sort_by`` and
        ``query.limit`` itself, except a ``sort_by`` naming a percentile
        collect, which the caller sorts (the read API does, after the store
        answers). Periods are those of ``query.timezone``; a period query in a
        zone other than UTC needs ``start_at`` and ``end_at``. Raises
        ``NonNumericCollect`` when ``sum``, ``mean`` or a percentile meets a
        non-numeric value.
        """

    def time_bounds(bucket, query):
        """Return ``(earliest, latest)`` ``_timestamp`` of matching records, or
        ``(None, None)``. Used to slide relative windows (SPEC 3.4)."""


class IReadEngine(IQueryEngine):
    """The service reads ask for: the query engine this process answers with (the
    columnar mirror, or the store itself). A separate interface, so that looking
    it up never finds the store registered as ``IStore`` instead."""


class IStore(IQueryEngine):
    url = Attribute("The store URL this store was built from.")

    def ping():
        """Return True when the store answers, False otherwise (never raise)."""

    def close():
        """Release connections."""

    # -- bucket configs -------------------------------------------------
    def create_bucket(config):
        """Create a bucket from a full config dict.

        Raises ``BucketExists`` when the name is taken and ``DataGroupClash``
        when another bucket has the same (data_group, data_type) pair. On
        MongoDB the bucket's indexes are created here.
        """

    def get_bucket(name):
        """Return the config dict for ``name`` or None."""

    def find_bucket(data_group, data_type):
        """Return the config dict addressed by the pair, or None."""

    def list_buckets():
        """Return every config dict, sorted by name."""

    def update_bucket(name, changes):
        """Apply ``changes`` (a dict of config fields) and return the new config.

        Raises ``BucketNotFound`` and ``DataGroupClash`` like create.
        """

    def delete_bucket(name):
        """Delete the config and every record; return False if it did not exist."""

    # -- users (admin app) ----------------------------------------------
    def save_user(email, buckets):
        """Create or replace the user ``email`` permitted to upload to ``buckets``."""

    def get_user(email):
        """Return ``{"email": ..., "buckets": [...]}`` or None."""

    def list_users():
        """Return every user dict, sorted by email."""

    def delete_user(email):
        """Delete a user; return False if they did not exist."""

    def session_generation(email):
        """The generation of ``email``'s admin sessions: 0 until ``end_sessions``.

        Kept apart from the user record (anyone Signon lets in may sign in,
        with or without one) and never reset, so a session ended stays ended.
        """

    def end_sessions(email):
        """End every admin session of ``email`` (sign-out): bump and return the generation."""

    # -- records --------------------------------------------------------
    def insert(bucket, records, capped_size=None):
        """Store prepared records atomically, upserting by ``_id``.

        With ``capped_size`` keep only the newest ``capped_size`` records of
        the bucket by write order afterwards. Returns the number stored.
        """

    def replace_all(bucket, records):
        """Atomically replace every record of ``bucket``; return the number stored."""

    def delete_records(bucket, query):
        """Delete every record matching ``query``'s window and filters, atomically.

        The read API's meaning exactly (``start_at``, ``end_at``,
        ``end_inclusive``, ``filters``, ``prefix_filters``; grouping, sorting
        and limits are ignored). Returns the number deleted; ``last_updated``
        moves only when that is more than 0. Raises ``BucketNotFound``.
        """

    def update_records(bucket, ids, revise):
        """Replace the stored records ``ids`` with ``revise(stored)``, atomically.

        ``stored`` maps each ``_id`` to its record as ``raw`` returns it, read
        inside the write, so no other write lands between the read and the
        replacement; ``revise`` returns the prepared records to store in their
        place (upserted by ``_id``, so they take a new write position). Raises
        ``RecordNotFound`` naming the first ``_id`` not stored, and lets
        whatever ``revise`` raises through; either way nothing is written.
        Returns the number stored.
        """

    def count(bucket, query=None):
        """Number of records in ``bucket``, or of those matching ``query``'s window and
        filters (what ``delete_records`` would delete)."""

    def last_updated(bucket):
        """UTC datetime of the newest write to ``bucket``, or None if never written."""

    def field_names(bucket):
        """The sorted user field names (no ``_`` fields) records of ``bucket`` have had.

        What the admin explorer offers to group, collect and filter by. A name
        may outlive the last record holding it (SQLite keeps a column per name
        ever written); raises ``BucketNotFound``.
        """



class IChangeFeed(Interface):
    """What a read-side copy of a bucket needs to follow its store (``backdrop.feed``).

    The SQLite store provides it; the columnar mirror (``backdrop.mirror``)
    follows it. Reading the position must be cheap: it happens on every read.
    """

    def feed_position(bucket):
        """The bucket's current ``FeedPosition``, or None when it does not exist."""

    def feed_changes(bucket, since, ids=True):
        """A context manager giving the ``FeedChanges`` from ``since`` (a
        ``FeedPosition`` or None) to now, read in one consistent snapshot that
        lasts until the context ends (batches are read lazily inside it).
        ``ids=False`` leaves the ``_id`` column out, for a copy that answers
        no ``_id`` filters."""

    def feed_aggregate(bucket, since, query):
        """``(position, groups)``: ``aggregate(bucket, query)`` over only the rows written
        after ``since`` (a ``FeedPosition``), and the position that snapshot reached; or
        None when anything but appends happened since (``FeedPosition.only_appended_since``).

        A copy at ``since`` answers for the rows it holds and merges these in, so a
        read right after a write need not wait for the copy to apply it. Must be
        cheap for a few thousand rows in a bucket of millions (read by write position).
        """

    def feed_time_bounds(bucket, since, query):
        """``(position, (earliest, latest))``: ``time_bounds`` over only the rows written
        after ``since``, as ``feed_aggregate``; None when anything but appends happened."""
