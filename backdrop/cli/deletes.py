"""``backdrop delete-records INI BUCKET --filter field:value --start-at ... --end-at ...``.

What an operator runs to honour an erasure request from a shell: the same
selection as ``DELETE /<bucket>`` (``backdrop.deletes``), counted first and
confirmed unless ``--yes``, then deleted in one atomic write.
"""
import sys

from webob.multidict import MultiDict

from ..deletes import delete_query
from ..read.params import ParamError
from . import add_command


def _parameters(args):
    """The options as the query-string parameters ``DELETE`` takes."""
    pairs = [("filter_by", value) for value in args.filter]
    pairs += [("filter_by_prefix", value) for value in args.filter_prefix]
    pairs += [(name, value) for name, value in (("start_at", args.start_at), ("end_at", args.end_at))
              if value is not None]
    if args.inclusive:
        pairs.append(("inclusive", "true"))
    return MultiDict(pairs)


def _confirmed(count, bucket):
    try:
        answer = input(f"Delete {count} records from {bucket}? [y/N] ")
    except EOFError:  # no terminal to ask: the answer is no
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def delete_records(args, env):
    if env.store.get_bucket(args.bucket) is None:
        print(f'backdrop: No data set exists with name "{args.bucket}"', file=sys.stderr)
        return 1
    try:
        query = delete_query(_parameters(args))
    except ParamError as error:
        print(f"backdrop: {error}", file=sys.stderr)
        return 2
    count = env.store.count(args.bucket, query)
    print(f"{count} records of {args.bucket} match")
    if count and not args.yes and not _confirmed(count, args.bucket):
        print("Nothing deleted")
        return 1
    deleted = env.store.delete_records(args.bucket, query) if count else 0
    print(f"Deleted {deleted} records from {args.bucket}")
    return 0


def register(subparsers):
    command = add_command(
        subparsers, "delete-records", delete_records,
        "delete the records of a bucket that match filters and/or a time window",
    )
    command.add_argument("bucket")
    command.add_argument("--filter", action="append", default=[], metavar="FIELD:VALUE",
                         help="only records whose FIELD is VALUE, as filter_by reads it (repeatable)")
    command.add_argument("--filter-prefix", action="append", default=[], metavar="FIELD:PREFIX",
                         help="only records whose string FIELD starts with PREFIX (repeatable)")
    command.add_argument("--start-at", help="only records at or after this ISO 8601 time")
    command.add_argument("--end-at", help="only records before this ISO 8601 time")
    command.add_argument("--inclusive", action="store_true", help="include records at --end-at")
    command.add_argument("--yes", action="store_true", help="delete without asking")
