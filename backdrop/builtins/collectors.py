"""Built-in collect methods, each computed in the store by the primitive of the same name.

``median`` is the primitive ``p50`` under another name; ``p1`` … ``p99`` and
``distinct`` are primitives of their own (SPEC 3.3).
"""
from ..collectors import Collector
from ..hookspecs import hookimpl
from ..query import PRIMITIVES


@hookimpl
def backdrop_collectors():
    return [*(Collector(name) for name in PRIMITIVES), Collector("median", primitive="p50")]
