"""Which records a delete means (SPEC 2.1): the read API's filters and window, nothing else.

The ``DELETE`` view and ``backdrop delete-records`` both turn their
parameters into a ``Query`` here, through the read API's own parser
(``backdrop.read.params``), so a filter or a window selects exactly the
records a read with the same parameters returns.
"""
from .query import Query
from .read.params import ParamError, parse_params

DELETE_PARAMS = ("filter_by", "filter_by_prefix", "start_at", "end_at", "inclusive")
SELECTING = ("filter_by", "filter_by_prefix", "start_at", "end_at")
NO_COLLECTORS = {}  # a delete collects nothing; one object keeps the parser's schema cache small


def delete_query(multidict):
    """The ``Query`` of a delete's parameters, or ``ParamError`` saying what is wrong.

    ``multidict`` is a WebOb ``MultiDict`` (``request.GET``) or anything with
    ``keys()`` and ``getall(name)``.
    """
    names = set(multidict.keys())
    unknown = sorted(names - set(DELETE_PARAMS))
    if unknown:
        raise ParamError(
            f"{unknown[0]} cannot be used in a delete"
            f" (only {', '.join(DELETE_PARAMS[:-1])} and {DELETE_PARAMS[-1]})"
        )
    if not names & set(SELECTING):
        raise ParamError("a delete needs at least one filter or time bound")
    if ("start_at" in names) != ("end_at" in names):
        raise ParamError("a delete's time window needs both start_at and end_at")
    params = parse_params(multidict, NO_COLLECTORS)
    return Query(
        start_at=params.start_at,
        end_at=params.end_at,
        end_inclusive=params.inclusive,
        filters=params.filters,
        prefix_filters=params.prefix_filters,
    )
