#!/usr/bin/env bash
# Run the MongoDB store's tests against a real one-node replica set, in one command:
#
#     tests/support/mongo_replica_set.sh [extra pytest arguments]
#
# Needs `mongod` (MongoDB 6.0 or later) on PATH and the project's venv
# (.venv, see README.md). Starts `mongod --replSet rs0` on a free port with a
# throw-away data directory, runs `rs.initiate()` (through mongosh when it is
# installed, else the same replSetInitiate command through pymongo), waits
# for a primary, then runs tests/store and tests/functional/read with
# BACKDROP_TEST_MONGO_URL pointing at it. The server and its data are removed
# on exit, whatever happens. Environment: MONGOD (the binary), PORT.
set -euo pipefail
cd "$(dirname "$0")/../.."

MONGOD=${MONGOD:-mongod}
PORT=${PORT:-27099}
PYTHON=.venv/bin/python
command -v "$MONGOD" >/dev/null || { echo "mongo_replica_set.sh: $MONGOD not found; install MongoDB 6.0+ or set MONGOD" >&2; exit 2; }
[ -x "$PYTHON" ] || { echo "mongo_replica_set.sh: no $PYTHON; create the venv first (README.md)" >&2; exit 2; }

DATA=$(mktemp -d -t backdrop-rs0.XXXXXX)
"$MONGOD" --replSet rs0 --port "$PORT" --bind_ip 127.0.0.1 --dbpath "$DATA" \
    --logpath "$DATA/mongod.log" --quiet &
MONGOD_PID=$!
cleanup() {
    kill "$MONGOD_PID" 2>/dev/null && wait "$MONGOD_PID" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT INT TERM

INITIATE="rs.initiate({_id: 'rs0', members: [{_id: 0, host: '127.0.0.1:$PORT'}]})"
"$PYTHON" - "$PORT" "$INITIATE" <<'PY'
import shutil, subprocess, sys, time
import pymongo

port, initiate = sys.argv[1], sys.argv[2]
client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                             serverSelectionTimeoutMS=30_000)
client.admin.command("ping")  # waits for mongod to accept connections
if shutil.which("mongosh"):
    subprocess.run(["mongosh", "--quiet", "--port", port, "--eval", initiate], check=True)
else:
    client.admin.command("replSetInitiate",
                         {"_id": "rs0", "members": [{"_id": 0, "host": f"127.0.0.1:{port}"}]})
for _ in range(300):  # a fresh set elects its primary within a few seconds
    if client.admin.command("hello").get("isWritablePrimary"):
        break
    time.sleep(0.1)
else:
    sys.exit("mongo_replica_set.sh: no primary after 30 s")
PY

export BACKDROP_TEST_MONGO_URL="mongodb://127.0.0.1:$PORT/?replicaSet=rs0"
echo "mongo_replica_set.sh: replica set rs0 up at $BACKDROP_TEST_MONGO_URL"
"$PYTHON" -m pytest -p no:cacheprovider tests/store tests/functional/read "$@"
