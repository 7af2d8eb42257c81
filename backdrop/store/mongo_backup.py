"""The ``mongodump``/``mongorestore`` commands that back up and restore a MongoDB store.

Backdrop does not run them: they come with the MongoDB database tools, and an
operator runs them where the tools and the credentials are. ``--oplog`` makes
a dump of a replica set consistent at one instant while writes go on (it
needs a replica set: a standalone server has no oplog).
"""
import shlex
from urllib.parse import parse_qs, urlsplit, urlunsplit


def is_replica_set(url):
    """Whether the URL names a replica set (``replicaSet=``) or is a DNS seed list (always one)."""
    parts = urlsplit(url)
    return parts.scheme == "mongodb+srv" or bool(parse_qs(parts.query).get("replicaSet"))


def masked(url):
    """The URL with any password replaced by ``****``, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def dump_command(url, path):
    command = ["mongodump", f"--uri={masked(url)}", f"--archive={path}", "--gzip"]
    if is_replica_set(url):
        command.append("--oplog")
    return shlex.join(command)


def restore_command(url, path):
    command = ["mongorestore", f"--uri={masked(url)}", f"--archive={path}", "--gzip"]
    if is_replica_set(url):
        command.append("--oplogReplay")
    return shlex.join(command)
