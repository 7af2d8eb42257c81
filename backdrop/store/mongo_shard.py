"""Sharding a bucket's records collection on a ``mongos`` (see docs/stores.md).

Shard key ``{_id: "hashed"}``:

* writes spread evenly over the shards, although generated ids (ObjectId
  layout) rise with time: hashing turns an ever-growing key into a uniform
  one, where a ranged ``_id`` or ``_timestamp`` key would send every insert
  to the shard holding the newest chunk;
* every upsert and ``PATCH``/``DELETE`` of one record names its ``_id``, so
  it goes to exactly one shard, and ``_id`` stays unique across the cluster
  (MongoDB enforces ``_id`` uniqueness cluster-wide only when ``_id`` is the
  shard key);
* time-range reads go to every shard, which each scan their own
  ``(_timestamp, _seq)`` index in parallel; ``$group`` runs on the shards and
  only partial groups travel to the ``mongos`` to be merged.

MongoDB 6.0+ shards a collection without ``enableSharding`` first.
"""
from pymongo import HASHED

SHARD_KEY = {"_id": "hashed"}
SHARD_KEY_INDEX = [("_id", HASHED)]


def shard_collection(client, database, collection):
    """Shard ``database.collection`` on the shard key; return the server's answer.

    ``shardCollection`` needs an index that supports the key when the
    collection already holds documents; the hashed ``_id`` index is built
    first so existing buckets can be sharded too.
    """
    client[database][collection].create_index(SHARD_KEY_INDEX)
    return client.admin.command("shardCollection", f"{database}.{collection}", key=SHARD_KEY)
