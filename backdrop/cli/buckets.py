"""``backdrop create-bucket|list-buckets|show-bucket|update-bucket|delete-bucket INI ...``."""
import argparse
import json
import sys

from ..buckets import ConfigError, changed_config, new_config, public
from ..store.errors import BucketExists, DataGroupClash
from . import add_command


def _config_options(command):
    """Options shared by create and update; only the ones given are applied."""
    command.add_argument("--data-group")
    command.add_argument("--data-type")
    command.add_argument("--type", dest="bucket_type", help="bucket type, e.g. events")
    command.add_argument("--raw-queries-allowed", action=argparse.BooleanOptionalAction, default=None)
    command.add_argument("--queryable", action=argparse.BooleanOptionalAction, default=None)
    command.add_argument("--published", action=argparse.BooleanOptionalAction, default=None)
    command.add_argument("--auto-id", dest="auto_ids", action="append", metavar="FIELD")
    command.add_argument("--capped-size", type=int)
    command.add_argument("--max-age-expected", type=int)
    command.add_argument("--upload-format")
    command.add_argument("--upload-filter", dest="upload_filters", action="append", metavar="NAME")
    command.add_argument("--bearer-token", help="use this token instead of a generated one")


FIELDS = (
    "data_group", "data_type", "bucket_type", "raw_queries_allowed", "queryable", "published",
    "auto_ids", "capped_size", "max_age_expected", "upload_format", "upload_filters",
    "bearer_token",
)


def _fields(args):
    return {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}


def _print(value):
    print(json.dumps(value, indent=2, sort_keys=True))


def _fail(message):
    print(f"backdrop: {message}", file=sys.stderr)
    return 1


def create_bucket(args, env):
    try:
        config, token = new_config(args.name, _fields(args), env.plugins)
        env.store.create_bucket(config)
    except ConfigError as error:
        return _fail(str(error))
    except BucketExists:
        return _fail(f"a bucket named {args.name} already exists")
    except DataGroupClash:
        return _fail("another bucket already has that data_group and data_type")
    _print(public(config))
    print(f"Bearer token (shown once, keep it safe): {token}")
    return 0


def list_buckets(args, env):
    for config in env.store.list_buckets():
        address = f"/data/{config['data_group']}/{config['data_type']}" if config.get("data_group") else ""
        print(f"{config['name']}\t{config['bucket_type']}\t{address}")
    return 0


def show_bucket(args, env):
    config = env.store.get_bucket(args.name)
    if config is None:
        return _fail(f'No data set exists with name "{args.name}"')
    _print({**public(config), "records": env.store.count(args.name)})
    return 0


def update_bucket(args, env):
    config = env.store.get_bucket(args.name)
    if config is None:
        return _fail(f'No data set exists with name "{args.name}"')
    try:
        config = env.store.update_bucket(args.name, changed_config(config, _fields(args), env.plugins))
    except ConfigError as error:
        return _fail(str(error))
    except DataGroupClash:
        return _fail("another bucket already has that data_group and data_type")
    _print(public(config))
    return 0


def delete_bucket(args, env):
    if not env.store.delete_bucket(args.name):
        return _fail(f'No data set exists with name "{args.name}"')
    print(f"Deleted {args.name}")
    return 0


def register(subparsers):
    command = add_command(
        subparsers, "create-bucket", create_bucket, "create a bucket; prints its token once"
    )
    command.add_argument("name")
    _config_options(command)
    add_command(subparsers, "list-buckets", list_buckets, "list buckets")
    command = add_command(subparsers, "show-bucket", show_bucket, "show a bucket's config")
    command.add_argument("name")
    command = add_command(subparsers, "update-bucket", update_bucket, "change a bucket's config")
    command.add_argument("name")
    _config_options(command)
    command = add_command(subparsers, "delete-bucket", delete_bucket, "delete a bucket and its records")
    command.add_argument("name")
