"""The admin pages ask the read API's questions, in the read API's words.

A page's query is a read-API query string: it is parsed by the read API's
``parse_params``, checked by its raw-query protection and answered by its
``Reader`` on the read engine (the columnar mirror on the embedded store),
so a page's numbers are the read API's numbers, never recomputed here.
"""
from datetime import UTC, datetime
from urllib.parse import urlencode

from webob.multidict import MultiDict

from ..interfaces import IReadEngine
from ..read.engine import Reader
from ..read.params import ParamError, parse_params
from ..read.protection import ProtectedQuery, check_protection
from ..read.windows import WindowError
from ..store.errors import NonNumericCollect

READ_ERRORS = (ParamError, ProtectedQuery, WindowError, NonNumericCollect)


def read_rows(request, bucket, pairs, now=None, protected=True):
    """``(params, rows)``: the ``data`` the read API answers ``pairs`` with.

    ``pairs`` is a list of ``(name, value)`` query parameters. Raises one of
    ``READ_ERRORS`` with the read API's own message. ``protected=False``
    skips the raw-query protection: a bucket's own people may see its newest
    records, which the public may not.
    """
    collectors = request.plugins.collectors
    params = parse_params(MultiDict(pairs), collectors)
    if protected:
        check_protection(params, bucket)
    engine = request.find_service(IReadEngine)
    reader = Reader(engine, bucket["name"], params, collectors, now or datetime.now(UTC))
    return params, reader.rows()


def read_api_path(bucket_name, pairs):
    """The read-API path (and query string) of exactly these parameters."""
    query = urlencode(pairs)
    return f"/{bucket_name}" + (f"?{query}" if query else "")
