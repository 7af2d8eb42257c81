"""``backdrop rotate-token INI NAME``: give a bucket a new bearer token (SPEC 5, 8).

The new token is printed once; the old one is refused from the next request.
"""
import sys

from ..buckets import rotated_token
from ..store.errors import BucketNotFound
from . import add_command


def register(subparsers):
    command = add_command(
        subparsers, "rotate-token", rotate_token,
        "give a bucket a new bearer token (printed once); the old one stops working",
    )
    command.add_argument("name")


def rotate_token(args, env):
    missing = f'backdrop: No data set exists with name "{args.name}"'
    if env.store.get_bucket(args.name) is None:
        print(missing, file=sys.stderr)
        return 1
    changes, token = rotated_token()
    try:
        env.store.update_bucket(args.name, changes)
    except BucketNotFound:
        print(missing, file=sys.stderr)
        return 1
    print(f"New bearer token for {args.name} (shown once, keep it safe): {token}")
    return 0
