"""Every Backdrop plugin hook, in one place.

Hooks are called with keyword arguments only, so an implementation may accept
fewer arguments than its spec and specs can gain arguments without breaking
plugins. Each hook returns a list of objects; the built-ins
(``backdrop.builtins``) answer exactly these hooks, the same way a third-party
plugin registered through the ``backdrop`` entry point group does.
See ``docs/plugins.md`` for examples.
"""
import pluggy

hookspec = pluggy.HookspecMarker("backdrop")
hookimpl = pluggy.HookimplMarker("backdrop")


# -- writing records ------------------------------------------------------
@hookspec
def backdrop_bucket_types():
    """Contribute bucket types.

    :returns: a list of ``backdrop.bucket_types.BucketType`` instances. Each
        has a unique ``name``, a ``cache_max_age`` (seconds, for reads), a
        ``capped`` flag (keep only ``capped_size`` newest records) and a
        ``prepare(record, bucket)`` method that validates one record (raising
        ``backdrop.records.RecordError``) and returns it, possibly changed.
    """


# -- reading records ------------------------------------------------------
@hookspec
def backdrop_collectors():
    """Contribute ``collect=field:method`` methods.

    :returns: a list of ``backdrop.collectors.Collector`` instances. A
        collector names the store primitive that computes it inside the
        database (``sum``, ``count``, ``set``, ``mean``, ``min``, ``max``,
        ``distinct``, ``p1`` … ``p99``; ``backdrop.query.PRIMITIVES``) and
        may post-process that primitive's result with ``finish(value)``.
    """


# -- uploading files (admin app) -------------------------------------------
@hookspec
def backdrop_upload_parsers():
    """Contribute file parsers for admin uploads.

    :returns: a list of ``backdrop.uploads.UploadParser`` instances. A parser
        has a ``name`` (a bucket's ``upload_format``), the ``content_types``
        and ``extensions`` it accepts, and ``parse(data: bytes)`` that returns
        a list of sheets, each a list of rows (lists of cell values), or raises
        ``backdrop.uploads.UploadError`` with a reason a user can read.
    """


@hookspec
def backdrop_upload_filters():
    """Contribute filters applied, in a bucket's ``upload_filters`` order, to parsed sheets.

    :returns: a list of ``backdrop.uploads.UploadFilter`` instances: each has
        a ``name`` and ``apply(sheets)`` returning new sheets. After all
        filters there must be exactly one sheet; its first row is the header.
    """
