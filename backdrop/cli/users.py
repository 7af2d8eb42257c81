"""``backdrop create-user|list-users|delete-user INI ...``: who may upload where.

Users are Signon email addresses, compared by the rule of
``backdrop.identity`` (the admin app signs people in by the same one); each
may upload, through the admin app, to the buckets listed for them. ``create-user`` replaces the list of an
existing user, so it also changes a user's buckets.
"""
import re
import sys

from ..identity import IdentityError, normalise_email
from . import add_command

EMAIL = re.compile(r"\A[^@\s]+@[^@\s]+\Z")


def register(subparsers):
    command = add_command(
        subparsers, "create-user", create_user,
        "Create a user of the admin app, or replace their buckets.",
    )
    command.add_argument("email", metavar="EMAIL", help="the user's Signon email address")
    command.add_argument(
        "--bucket", dest="buckets", action="append", required=True, metavar="BUCKET",
        help="a bucket they may upload to (repeat for several)",
    )
    add_command(subparsers, "list-users", list_users, "List admin app users and their buckets.")
    command = add_command(subparsers, "delete-user", delete_user, "Delete an admin app user.")
    command.add_argument("email", metavar="EMAIL")


def _fail(message):
    print(f"backdrop: {message}", file=sys.stderr)
    return 1


def create_user(args, env):
    try:
        email = normalise_email(args.email)
    except IdentityError as error:
        return _fail(f"{args.email!r}: {error}")
    if not EMAIL.match(email):
        return _fail(f"{args.email!r} is not an email address")
    buckets = list(dict.fromkeys(args.buckets))  # keep order, drop repeats
    unknown = [name for name in buckets if env.store.get_bucket(name) is None]
    if unknown:
        return _fail("no bucket named " + ", ".join(unknown))
    env.store.save_user(email, buckets)
    print(f"{email} may upload to {', '.join(buckets)}")
    return 0


def list_users(args, env):
    for user in env.store.list_users():
        print(f"{user['email']}\t{', '.join(user['buckets'])}")
    return 0


def delete_user(args, env):
    try:
        email = normalise_email(args.email)
    except IdentityError as error:
        return _fail(f"{args.email!r}: {error}")
    if not env.store.delete_user(email):
        return _fail(f"no user {email}")
    print(f"Deleted user {email}")
    return 0
