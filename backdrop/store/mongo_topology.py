"""What the MongoDB deployment is, and what the store may promise on it.

Asked once with ``hello``: a replica set member (``setName``) or a ``mongos``
(``msg: "isdbgrid"``) runs multi-document transactions, so a batch is all or
nothing. A standalone server cannot (transactions need a replica set), so the
store refuses one unless ``backdrop.mongodb.allow_standalone = true`` accepts
batches that a server failure can leave half-written; ``/_status`` then says
so. mongomock is the test stand-in: no transactions, nothing durable.
"""
from dataclasses import dataclass

from pyramid.settings import asbool

PREFIX = "backdrop.mongodb."
REPLICA_SET, SHARDED, STANDALONE, STAND_IN = "replica set", "sharded cluster", "standalone", "mongomock"
STANDALONE_REFUSAL = (
    "the MongoDB server at {url} is a standalone server: it has no transactions, so a "
    "failed batch could be left half-written. Run a replica set (one node is enough: "
    "mongod --replSet rs0, then rs.initiate()), or set backdrop.mongodb.allow_standalone = true "
    "to accept non-atomic batches"
)
WARNINGS = {
    STANDALONE: "standalone MongoDB server (backdrop.mongodb.allow_standalone = true): batches "
                "are not atomic; a server failure during a write can leave part of a batch stored",
    STAND_IN: "mongomock stand-in: nothing is durable and batches are not atomic (tests and demos only)",
}


@dataclass(frozen=True)
class MongoOptions:
    """The ``backdrop.mongodb.*`` settings."""

    allow_standalone: bool = False
    timeout_seconds: float = 10.0  # each write, config change, ping and commit
    read_timeout_seconds: float = 60.0  # each query (raw, aggregate, time bounds, count)

    @classmethod
    def from_settings(cls, settings):
        settings = settings or {}
        return cls(
            allow_standalone=asbool(settings.get(PREFIX + "allow_standalone", False)),
            timeout_seconds=_seconds(settings, "timeout_seconds", cls.timeout_seconds),
            read_timeout_seconds=_seconds(settings, "read_timeout_seconds", cls.read_timeout_seconds),
        )


def _seconds(settings, name, default):
    value = settings.get(PREFIX + name, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0
    if not seconds > 0:
        raise SystemExit(f"backdrop: {PREFIX}{name} must be a positive number of seconds, not {value!r}")
    return seconds


@dataclass(frozen=True)
class Topology:
    kind: str

    @classmethod
    def from_hello(cls, hello):
        if hello.get("msg") == "isdbgrid":
            return cls(SHARDED)
        if hello.get("setName"):
            return cls(REPLICA_SET)
        return cls(STANDALONE)

    @property
    def transactions(self):
        return self.kind in (REPLICA_SET, SHARDED)

    @property
    def sharded(self):
        return self.kind == SHARDED

    @property
    def warning(self):
        """What ``/_status`` should tell an operator, or None."""
        return WARNINGS.get(self.kind)

    def refusal(self, options, url):
        """Why the store must not write here, or None."""
        if self.kind == STANDALONE and not options.allow_standalone:
            return STANDALONE_REFUSAL.format(url=url)
        return None
