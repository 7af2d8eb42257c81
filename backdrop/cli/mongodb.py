"""``backdrop shard-bucket INI NAME``: shard an existing bucket's records on a ``mongos``.

New buckets are sharded when they are created; this is for buckets made
before the store met a sharded cluster. The shard key and why: docs/stores.md.
"""
import json

from pymongo.errors import PyMongoError

from ..store.errors import BucketNotFound, StoreError
from . import add_command
from .buckets import _fail


def shard_bucket(args, env):
    shard = getattr(env.store, "shard_bucket", None)
    if shard is None:
        return _fail("shard-bucket needs a MongoDB store (backdrop.store_url = mongodb://...)")
    try:
        answer = shard(args.name)
    except BucketNotFound:
        return _fail(f'No data set exists with name "{args.name}"')
    except (ValueError, StoreError) as error:
        return _fail(str(error))
    except PyMongoError as error:  # e.g. sharded before on another key, or not authorised
        return _fail(f"MongoDB refused to shard {args.name}: {error}")
    print(json.dumps({"bucket": args.name, "sharded": True, "server": answer}, default=str))
    return 0


def register(subparsers):
    command = add_command(
        subparsers, "shard-bucket", shard_bucket,
        "shard a bucket's records collection on a mongos (shard key {_id: hashed})",
    )
    command.add_argument("name", metavar="NAME")
