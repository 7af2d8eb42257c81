"""A live waitress server (real ``pserve``) on a real SQLite store, for the fuzzer.

Every role, /_metrics on, one bucket with both addresses and a few records,
and the tokens each operation needs.
"""
import json
import tempfile
import zlib
from pathlib import Path

import requests
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

from backdrop import main
from tests.support.servers import ADMIN, Server, request

BUCKET = "visits"
GROUP, TYPE = "web", "visits"
SPARE = "spare"  # what data-set management aims at: it may be changed and deleted
METRICS_TOKEN = "fuzz-metrics-token-0123456789"
SETTINGS = {
    "backdrop.session_secret": "fuzz-session-secret-0123456789abcdef",
    "backdrop.oauth.base_url": "http://127.0.0.1:9/",
    "backdrop.oauth.client_id": "fuzz-client",
    "backdrop.oauth.client_secret": "fuzz-secret",
    "backdrop.metrics.enabled": "true",
    "backdrop.metrics.token": METRICS_TOKEN,
    # Small limits, so that a 413 is reachable with small bodies.
    "backdrop.max_body_bytes": "4096",
    "backdrop.max_batch_records": "20",
}
RECORDS = [
    {"_id": "r1", "_timestamp": "2024-03-04T10:00:00Z", "page": "/a", "n": 1, "ok": True},
    {"_timestamp": "2024-03-05T11:00:00Z", "page": "/b", "n": 2.5, "ok": False},
    {"_timestamp": "2024-03-12T12:00:00Z", "page": "/a", "n": 3, "ok": None},
]


def served_document():
    """The document a server with these settings serves, built in this process.

    schemathesis' pytest integration parametrizes at collection, before any
    server runs (its lazy fixture loader breaks on pytest 9), so the fuzz
    takes the document from here; a test checks that the live one is equal.
    """
    with tempfile.TemporaryDirectory() as directory:
        app = main({}, **{
            "backdrop.roles": "read write admin",
            "backdrop.store_url": f"sqlite:///{Path(directory) / 'document.db'}",
            "backdrop.admin_token": ADMIN,
            "backdrop.load_entry_points": "false",
            **SETTINGS,
        })
        try:
            return json.loads(app.registry["backdrop.openapi.document"])
        finally:
            app.registry["backdrop.store"].close()


class Live:
    """The server, its bucket and the bearer token each security scheme names."""

    def __init__(self, directory):
        self.server = Server(directory, f"sqlite:///{directory}/fuzz.db",
                             roles="read write admin", **SETTINGS)
        self.token = None

    def __enter__(self):
        self.server.__enter__()
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.token = self.server.create_bucket(
            BUCKET, data_group=GROUP, data_type=TYPE, raw_queries_allowed=True,
            bucket_type="events",
        )
        status, body = request(self.server.port, "POST", f"/{BUCKET}", RECORDS, token=self.token)
        assert status == 200, body
        self.server.create_bucket(SPARE)
        return self

    def etag(self, path):
        """The ETag a read of ``path`` carries now."""
        return requests.get(self.url + path, timeout=30).headers["ETag"]

    def stale(self, path):
        """A bucket that expects writes and never had one makes ``path`` a 500 (then goes)."""
        name = f"stale-{zlib.crc32(path.encode())}"
        self.server.create_bucket(name, max_age_expected=60)
        try:
            response = requests.get(self.url + path, timeout=30)
        finally:
            requests.delete(f"{self.url}/data-sets/{name}", timeout=30,
                            headers={"Authorization": f"Bearer {ADMIN}"})
        return response

    def _aim_patch(self, case):
        """A record PATCH names a record that is there (PUT and DELETE may have removed r1)."""
        if _negative(case, ParameterLocation.BODY) or not _most(case.body):
            return
        status, body = request(self.server.port, "POST", f"/{BUCKET}", RECORDS[0], token=self.token)
        assert status == 200, body
        for item in case.body if isinstance(case.body, list) else [case.body]:
            if isinstance(item, dict):
                item["_id"] = RECORDS[0]["_id"]

    def restore(self, case, response):
        """The spare bucket back after a fuzzed delete, for the cases after it."""
        if case.operation.path == "/data-sets/{name}" and case.method.upper() == "DELETE" \
                and response.status_code == 200 and case.path_parameters["name"] == SPARE:
            self.server.create_bucket(SPARE)

    def __exit__(self, *exc):
        self.server.__exit__(*exc)

    def tokens(self):
        return {"bucketToken": self.token, "adminToken": ADMIN, "metricsToken": METRICS_TOKEN}

    def headers_for(self, case):
        """``Authorization`` for the operation's security scheme, if it has one.

        Not when the case's headers are the deliberately wrong part: then it
        must go without, as generated.
        """
        if _negative(case, ParameterLocation.HEADER):
            return {}
        for requirement in case.operation.definition.raw.get("security", ()):
            for scheme in requirement:
                token = self.tokens().get(scheme)
                if token:
                    return {"Authorization": f"Bearer {token}"}
        return {}

    def aim(self, case):
        """Most cases name the real bucket: random names would only ever meet 404.

        Not a case whose path is the deliberately wrong part.
        """
        if _negative(case, ParameterLocation.PATH):
            return
        if case.method.upper() == "PATCH" and "security" in case.operation.definition.raw \
                and case.operation.path != "/data-sets/{name}":
            self._aim_patch(case)
        parameters = case.path_parameters or {}
        if "bucket" in parameters and _most(parameters["bucket"]):
            parameters["bucket"] = BUCKET
        if "data_group" in parameters and _most(parameters["data_group"]):
            parameters["data_group"], parameters["data_type"] = GROUP, TYPE
        if "name" in parameters and _most(parameters["name"]):
            creating = (case.method.upper(), case.operation.path) == ("POST", "/data-sets/{name}")
            # A create needs a free name; everything else the spare bucket.
            parameters["name"] = f"fuzz-{_crc(parameters['name'])}" if creating else SPARE


def _negative(case, location):
    component = case.meta.components.get(location) if case.meta else None
    return component is not None and component.mode == GenerationMode.NEGATIVE


def _crc(text):
    return zlib.crc32(str(text).encode())


def _most(text):
    """True for three generated values in four, the same on every run."""
    return _crc(text) % 4 != 0
