"""Thin fakes of what a real MongoDB deployment answers and mongomock cannot.

mongomock has no ``hello``/``shardCollection`` commands and no sessions. These
fakes answer exactly those, as a replica set, a ``mongos`` or a standalone
server would, and raise the driver's own errors (``WTimeoutError``,
``ExecutionTimeout``, ``OperationFailure`` with the server's code) where the
real server would raise them. Everything else still runs on mongomock.
"""
import mongomock
import pymongo
from pymongo import _csot

STANDALONE = {"isWritablePrimary": True, "ok": 1.0}
REPLICA_SET = {"isWritablePrimary": True, "setName": "rs0", "ok": 1.0}
MONGOS = {"isWritablePrimary": True, "msg": "isdbgrid", "ok": 1.0}


def deadline():
    """Seconds left of the pymongo deadline in force here, or None when there is none."""
    return _csot.remaining()


class FakeServer:
    """Answers ``hello`` as ``hello`` says and acknowledges ``shardCollection``."""

    def __init__(self, monkeypatch, hello):
        self.hello = hello
        self.commands = []
        original = mongomock.database.Database.command
        server = self

        def command(database, name, *args, **kwargs):
            server.commands.append((name, args, kwargs))
            if name == "hello":
                return dict(server.hello)
            if name == "shardCollection":
                return {"collectionsharded": args[0], "ok": 1.0}
            return original(database, name, *args, **kwargs)

        monkeypatch.setattr(mongomock.database.Database, "command", command)

    def sharded(self):
        """``(namespace, key)`` of every ``shardCollection`` the store sent."""
        return [(args[0], kwargs["key"]) for name, args, kwargs in self.commands
                if name == "shardCollection"]


class FakeSession:
    """A session whose ``with_transaction`` runs the callback as the driver would.

    It is falsy, so mongomock (which refuses any truthy session) runs each
    operation given it; ``attempts=2`` runs the callback twice, as
    ``with_transaction`` does after a ``TransientTransactionError``.
    """

    def __init__(self, attempts=1):
        self.attempts = attempts
        self.transactions = []  # (kwargs, deadline seconds) of each with_transaction

    def __bool__(self):
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def with_transaction(self, callback, **kwargs):
        self.transactions.append((kwargs, deadline()))
        result = None
        for _ in range(self.attempts):
            result = callback(self)
        return result


def install_sessions(monkeypatch, session):
    monkeypatch.setattr(mongomock.MongoClient, "start_session", lambda client, **kw: session,
                        raising=False)


def raise_from(monkeypatch, method, error, when=lambda collection, *a, **kw: True):
    """Make mongomock's ``Collection.<method>`` raise ``error`` (a driver error) ``when`` true."""
    original = getattr(mongomock.collection.Collection, method)

    def failing(collection, *args, **kwargs):
        if when(collection, *args, **kwargs):
            raise error
        return original(collection, *args, **kwargs)

    monkeypatch.setattr(mongomock.collection.Collection, method, failing)


def hang_without_deadline(monkeypatch, method):
    """``Collection.<method>`` as a server that never answers: only a deadline ends it.

    With a pymongo deadline in force it raises what the driver raises when
    the deadline passes (``ExecutionTimeout``, code 50); without one a real
    server would block for ever, so the fake fails the test instead.
    """

    def hanging(collection, *args, **kwargs):
        if deadline() is None:
            raise AssertionError(f"{method} ran without a deadline: a real server would hang here")
        raise pymongo.errors.ExecutionTimeout("operation exceeded time limit", 50)

    monkeypatch.setattr(mongomock.collection.Collection, method, hanging)


def install_window_fields():
    """Give mongomock the part of MongoDB 5.0's ``$setWindowFields`` the store uses.

    mongomock (4.3) has no window stage. This stand-in does what the server
    does for ``partitionBy`` (an expression), ``sortBy`` (one field, ascending)
    and the outputs ``$documentNumber`` and ``$count`` over the whole
    partition: documents keep their order, each gains its rank in its
    partition (from 1) and the partition's size. Partitions compare as BSON
    does: ``1`` and ``1.0`` are one key, ``true`` and ``1`` are not.
    """
    from mongomock import aggregate

    def set_window_fields(in_collection, unused_database, options):
        [(sort_field, direction)] = options["sortBy"].items()
        if direction != 1:
            raise NotImplementedError("the stand-in sorts ascending only")
        partitions = {}
        for document in in_collection:
            key = aggregate._Parser(document).parse(options.get("partitionBy"))
            items = key.items() if isinstance(key, dict) else [("", key)]
            bson_key = tuple((name, type(value) is bool, value) for name, value in sorted(items))
            partitions.setdefault(bson_key, []).append(document)
        ranks = {}
        for members in partitions.values():
            ordered = sorted(members, key=lambda document: document.get(sort_field))
            for rank, document in enumerate(ordered, start=1):
                ranks[id(document)] = (rank, len(members))
        outputs = []
        for document in in_collection:
            rank, size = ranks[id(document)]
            extra = {}
            for name, spec in options["output"].items():
                [(operator, _)] = spec.items()
                extra[name] = {"$documentNumber": rank, "$count": size}[operator]
            outputs.append({**document, **extra})
        return outputs

    aggregate._PIPELINE_HANDLERS.setdefault("$setWindowFields", set_window_fields)
