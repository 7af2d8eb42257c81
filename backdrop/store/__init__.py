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

        return MongoStore(url, options=MongoOptions.from_settings(settings))
    raise SystemExit(f"backdrop: unsupported store URL {url!r} (use sqlite:/// or mongodb://)")


def includeme(config):
    settings = config.get_settings()
    store = settings.get("backdrop.store") or create_store(settings["backdrop.store_url"], settings)
    config.registry["backdrop.store"] = store
    config.register_service(store, IStore)
