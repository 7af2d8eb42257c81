"""The read role's query engine: the columnar mirror by default on the embedded store.

``backdrop.read_engine`` (or ``BACKDROP_READ_ENGINE``) picks it: ``mirror``
(the default for ``sqlite://`` stores) answers aggregates from a DuckDB copy
of each bucket (``engine.ColumnarMirror``); ``store`` asks the store itself,
as the MongoDB store always does for now (it offers no change feed yet).
"""
from ..interfaces import IChangeFeed, IReadEngine

ENGINES = ("mirror", "store")


def read_engine_name(settings, store):
    name = settings.get("backdrop.read_engine") or (
        "mirror" if IChangeFeed.providedBy(store) else "store")
    if name not in ENGINES:
        raise SystemExit(f"backdrop: backdrop.read_engine must be one of {', '.join(ENGINES)}")
    if name == "mirror" and not IChangeFeed.providedBy(store):
        raise SystemExit("backdrop: backdrop.read_engine = mirror needs a store with a change"
                         " feed (the SQLite store); use backdrop.read_engine = store")
    return name


def create_engine(settings, store):
    """The query engine ``settings`` ask for, over ``store``."""
    if read_engine_name(settings, store) == "store":
        return store
    from .engine import ColumnarMirror
    from .files import MirrorFiles

    return ColumnarMirror(
        store,
        MirrorFiles(settings.get("backdrop.mirror.path") or MirrorFiles.beside(store)),
        memory_limit=settings.get("backdrop.mirror.memory_limit", "96MB"),
        threads=int(settings.get("backdrop.mirror.threads", 2)),
        memory_ceiling=settings.get("backdrop.mirror.memory_ceiling", "1GB"),
        rebuild_memory_limit=settings.get("backdrop.mirror.rebuild_memory_limit", "24MB"),
    )


def includeme(config):
    settings = config.get_settings()
    store = config.registry["backdrop.store"]
    needs_queries = {"read", "admin"} & set(settings["backdrop.roles"])
    engine = create_engine(settings, store) if needs_queries else store
    config.registry["backdrop.read_engine"] = engine
    config.register_service(engine, IReadEngine)
