"""Built-in collect methods, each computed in the store by the primitive of the same name."""
from ..collectors import Collector
from ..hookspecs import hookimpl
from ..query import PRIMITIVES


@hookimpl
def backdrop_collectors():
    return [Collector(name) for name in PRIMITIVES]
