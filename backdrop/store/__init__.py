"""The store service: one backend chosen by ``backdrop.store_url``."""
from ..interfaces import IStore


def create_store(url, settings=None):
    """A store for ``sqlite:///path`` or ``mongodb://...`` URLs.

    ``settings`` (the app's) carry the MongoDB store's ``backdrop.mongodb.*`` options.
    """
    if url.startswith("sqlite:"):
        from .sqlite import SQLiteStore

        return SQLiteStore(url)
    if url.startswith(("mongodb:", "mongodb+srv:", "mongomock:")):
        from .mongo import MongoStore
        from .mongo_topology import MongoOptions

        store = MongoStore(url, options=MongoOptions.from_settings(settings))
        _check_mongo_layout(store, url)
        return store
    raise SystemExit(f"backdrop: unsupported store URL {url!r} (use sqlite:/// or mongodb://)")


def _check_mongo_layout(store, url):
    """Record or check the layout version.

    A server that does not answer now is checked at the next start (or by
    ``backdrop migrate``); the store's own requests say it is unavailable.
    """
    from pymongo.errors import PyMongoError

    from .mongo_backup import masked
    from .mongo_layout import ensure_layout

    try:
        ensure_layout(store, masked(url))
    except PyMongoError:
        pass


def includeme(config):
    settings = config.get_settings()
    store = settings.get("backdrop.store") or create_store(settings["backdrop.store_url"], settings)
    config.registry["backdrop.store"] = store
    config.register_service(store, IStore)
