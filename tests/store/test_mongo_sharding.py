"""Finding 6 of issue 10: on a ``mongos`` every bucket's records are sharded.

mongomock has no ``hello`` or ``shardCollection``: ``FakeServer`` answers
them as a ``mongos`` does and records what the store sent.
"""
import mongomock
import pytest
from pymongo.errors import OperationFailure

from backdrop.store.mongo import MongoStore
from backdrop.store.mongo_shard import SHARD_KEY
from tests.support.cli import run

from . import mongo_fakes as fakes
from .helpers import Query, config, ids, prepare

ROOT_INI = str(__import__("pathlib").Path(__file__).parents[2] / "development.ini")
ROWS = [{"_id": f"r{n}", "_timestamp": "2014-01-08T10:00:00Z"} for n in range(3)]


@pytest.fixture
def mongos(monkeypatch):
    server = fakes.FakeServer(monkeypatch, fakes.MONGOS)
    fakes.install_sessions(monkeypatch, fakes.FakeSession())
    return server


@pytest.fixture
def sharded_store(mongos):
    return MongoStore("mongomock://mongos/stats", client=mongomock.MongoClient())


def indexes(store, collection):
    return [list(info["key"]) for info in store._db[collection].index_information().values()]


def test_the_shard_key_is_the_hashed_id():
    assert SHARD_KEY == {"_id": "hashed"}


def test_a_new_bucket_is_sharded_on_a_mongos(mongos, sharded_store):
    sharded_store.create_bucket(config("visits"))

    assert mongos.sharded() == [("stats.visits", {"_id": "hashed"})]
    assert [("_id", "hashed")] in indexes(sharded_store, "visits")
    assert [("_timestamp", 1), ("_seq", 1)] in indexes(sharded_store, "visits")


def test_a_replace_all_shards_its_new_collection_before_filling_it(mongos, sharded_store):
    sharded_store.create_bucket(config("visits"))
    sharded_store.insert("visits", prepare(ROWS))

    sharded_store.replace_all("visits", prepare(ROWS[:1]))

    live = sharded_store._db["_buckets"].find_one({"_id": "visits"})["_records"]
    assert mongos.sharded()[-1] == (f"stats.{live}", {"_id": "hashed"})
    assert ids(sharded_store.raw("visits", Query())) == ["r0"]


def test_writes_on_a_mongos_run_in_transactions(monkeypatch, mongos, sharded_store):
    session = fakes.FakeSession()
    fakes.install_sessions(monkeypatch, session)
    sharded_store.create_bucket(config("visits"))

    sharded_store.insert("visits", prepare(ROWS))

    assert len(session.transactions) == 1
    assert sharded_store.warning is None


def test_nothing_is_sharded_on_a_replica_set(monkeypatch):
    server = fakes.FakeServer(monkeypatch, fakes.REPLICA_SET)
    fakes.install_sessions(monkeypatch, fakes.FakeSession())
    store = MongoStore("mongomock://rs/stats", client=mongomock.MongoClient())

    store.create_bucket(config("visits"))

    assert server.sharded() == []
    with pytest.raises(ValueError, match="replica set, not a mongos"):
        store.shard_bucket("visits")


def test_shard_bucket_shards_an_existing_bucket(monkeypatch, mongo_store):
    mongo_store.create_bucket(config("visits"))  # made before the store met a mongos
    mongo_store.insert("visits", prepare(ROWS))
    server = fakes.FakeServer(monkeypatch, fakes.MONGOS)
    mongo_store._topology = None

    mongo_store.shard_bucket("visits")

    assert server.sharded() == [(f"{mongo_store._db.name}.visits", {"_id": "hashed"})]
    assert [("_id", "hashed")] in indexes(mongo_store, "visits")


# -- backdrop shard-bucket INI NAME ------------------------------------------------
@pytest.fixture
def cli_mongos(monkeypatch, mongos):
    url = "mongomock://cli-mongos/cli"
    monkeypatch.setenv("BACKDROP_STORE_URL", url)
    store = MongoStore(url)
    yield store
    store._client.drop_database("cli")


def test_cli_shard_bucket(capsys, mongos, cli_mongos):
    cli_mongos.create_bucket(config("visits"))
    del mongos.commands[:]

    code, out, err = run(capsys, "shard-bucket", ROOT_INI, "visits")

    assert (code, err) == (0, "")
    assert '"sharded": true' in out
    assert mongos.sharded() == [("cli.visits", {"_id": "hashed"})]


def test_cli_shard_bucket_says_why_mongodb_refused(capsys, monkeypatch, mongos, cli_mongos):
    cli_mongos.create_bucket(config("visits"))
    original = mongomock.database.Database.command

    def refuse(database, name, *args, **kwargs):
        if name == "shardCollection":
            raise OperationFailure("already sharded with a different key", 20,
                                   {"code": 20, "codeName": "AlreadyInitialized"})
        return original(database, name, *args, **kwargs)

    monkeypatch.setattr(mongomock.database.Database, "command", refuse)

    code, _, err = run(capsys, "shard-bucket", ROOT_INI, "visits")

    assert code == 1
    assert err.startswith("backdrop: MongoDB refused to shard visits: already sharded")


def test_cli_shard_bucket_of_an_unknown_bucket(capsys, cli_mongos):
    code, _, err = run(capsys, "shard-bucket", ROOT_INI, "nothing")

    assert code == 1
    assert 'No data set exists with name "nothing"' in err


def test_cli_shard_bucket_needs_a_mongos(capsys, monkeypatch):
    monkeypatch.setenv("BACKDROP_STORE_URL", "mongomock://cli-plain/cli")
    MongoStore("mongomock://cli-plain/cli").create_bucket(config("visits"))

    code, _, err = run(capsys, "shard-bucket", ROOT_INI, "visits")

    assert code == 1
    assert "is a mongomock, not a mongos" in err


def test_cli_shard_bucket_needs_a_mongodb_store(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("BACKDROP_STORE_URL", f"sqlite:///{tmp_path}/cli.db")

    code, _, err = run(capsys, "shard-bucket", ROOT_INI, "visits")

    assert code == 1
    assert "needs a MongoDB store" in err
