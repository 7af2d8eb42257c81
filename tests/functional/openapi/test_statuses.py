"""Every status the document gives an operation is reachable (SPEC 9), and conforms.

Each (method, path, status) of the fuzzed operations has a recipe: a request
that gets exactly that status from a live server, whose answer schemathesis
then checks against the document. The few that need a broken store have a
reason naming the tests that reach them instead.
"""
import re
import uuid

import pytest
import requests
import schemathesis
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.servers import ADMIN

from .live import BUCKET, GROUP, METRICS_TOKEN, TYPE, Live, served_document

DOCUMENT = served_document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT).exclude(tag="admin")
CONFORMANCE = [status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
ADDRESSES = {"/{bucket}": f"/{BUCKET}", "/data/{data_group}/{data_type}": f"/data/{GROUP}/{TYPE}"}
NOWHERE = {"/{bucket}": "/nowhere", "/data/{data_group}/{data_type}": "/data/no/where"}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
ENVIRONMENTAL = {
    "500 /_status": "a store that does not answer: tests/functional/write/test_status.py",
    "503": "a bounded wait for the store ran out: tests/store/test_mongo_failures.py",
    "507": "a full disk: tests/functional/operations/test_disk_full.py",
}
BIG = {"n": "x" * 5000}  # over the live server's 4096-byte body limit


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def admin():
    return bearer(ADMIN)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def environmental(method, path, status):
    if status == "500" and path == "/_status":
        return ENVIRONMENTAL["500 /_status"]
    return ENVIRONMENTAL.get(status)


# -- recipes: live -> requests.request keyword arguments --------------------------------
def _records_recipes():
    recipes = {}
    for template, path in ADDRESSES.items():
        nowhere = NOWHERE[template]

        def own(live):
            return bearer(live.token)

        recipes.update({
            ("GET", template, "200"): lambda live, path=path: {"url": path},
            ("GET", template, "304"): lambda live, path=path: {
                "url": path, "headers": {"If-None-Match": live.etag(path)}},
            ("GET", template, "400"): lambda live, path=path: {
                "url": path, "params": {"nonsense": "1"}},
            ("GET", template, "404"): lambda live, nowhere=nowhere: {"url": nowhere},
            ("OPTIONS", template, "200"): lambda live, path=path: {"url": path},
        })
        for method in ("POST", "PUT", "PATCH"):
            target = live_scratch if method == "PUT" else (lambda live, path=path: path)
            if template != "/{bucket}" and method == "PUT":
                target = live_scratch_by_group
            recipes.update({
                (method, template, "400"): lambda live, t=target: {
                    "url": t(live), "headers": own(live), "json": {"_id": "r1", "n": [1]}},
                (method, template, "401"): lambda live, t=target: {
                    "url": t(live), "json": {"_timestamp": "2024-01-01T00:00:00Z"}},
                (method, template, "404"): lambda live, nowhere=nowhere: {
                    "url": nowhere, "headers": own(live), "json": {"_id": "r1"}},
                (method, template, "413"): lambda live, t=target: {
                    "url": t(live), "headers": own(live), "json": BIG},
                (method, template, "415"): lambda live, t=target: {
                    "url": t(live), "headers": {**own(live), "Content-Type": "text/plain"},
                    "data": b'{"_id": "r1"}'},
            })
        recipes.update({
            ("POST", template, "200"): lambda live, path=path: {
                "url": path, "headers": own(live),
                "json": {"_timestamp": "2024-03-20T00:00:00Z", "page": "/c"}},
            ("PUT", template, "200"): lambda live, template=template: {
                "url": (live_scratch if template == "/{bucket}" else live_scratch_by_group)(live),
                "headers": own_scratch(live), "json": [{"_timestamp": "2024-01-01T00:00:00Z"}]},
            ("PATCH", template, "200"): lambda live, path=path: {
                "url": path, "headers": own(live), "json": {"_id": "r1", "page": "/patched"}},
            ("DELETE", template, "200"): lambda live, path=path: {
                "url": path, "headers": own(live), "params": {"filter_by": "page:/none"}},
            ("DELETE", template, "400"): lambda live, path=path: {
                "url": path, "headers": own(live)},
            ("DELETE", template, "401"): lambda live, path=path: {
                "url": path, "params": {"filter_by": "page:/none"}},
            ("DELETE", template, "404"): lambda live, nowhere=nowhere: {
                "url": nowhere, "headers": own(live), "params": {"filter_by": "page:/none"}},
        })
    # A PUT replaces everything: it goes to a scratch bucket, with that bucket's token.
    for status in ("400", "404", "413", "415"):
        for template in ADDRESSES:
            recipe = recipes[("PUT", template, status)]
            recipes[("PUT", template, status)] = _with_scratch_token(recipe)
    return recipes


def _with_scratch_token(recipe):
    def run(live):
        kwargs = recipe(live)
        if "headers" in kwargs and "Authorization" in kwargs["headers"]:
            kwargs["headers"] = {**kwargs["headers"], **own_scratch(live)}
        return kwargs
    return run


def live_scratch(live):
    return "/scratch"


def live_scratch_by_group(live):
    return "/data/scratch-group/scratch-type"


def own_scratch(live):
    return bearer(live.scratch_token)


def _created(live, **config):
    name = unique("tmp")
    live.server.create_bucket(name, **config)
    return name


def _clash(live):
    """A PATCH giving a bucket the data_group/data_type pair another one has."""
    name = _created(live)
    return {"url": f"/data-sets/{name}", "headers": admin(),
            "json": {"data_group": GROUP, "data_type": TYPE}}


def _too_big(url):
    return {"url": url, "headers": admin(), "json": BIG}


def _not_json(url):
    return {"url": url, "headers": {**admin(), "Content-Type": "text/plain"}, "data": b"{}"}


RECIPES = {
    ("GET", "/_metrics", "200"): lambda live: {"url": "/_metrics",
                                               "headers": bearer(METRICS_TOKEN)},
    ("GET", "/_metrics", "401"): lambda live: {"url": "/_metrics"},
    ("GET", "/_openapi.json", "200"): lambda live: {"url": "/_openapi.json"},
    ("GET", "/_status", "200"): lambda live: {"url": "/_status"},
    ("GET", "/_status/buckets", "200"): lambda live: {"url": "/_status/buckets"},
    ("GET", "/_status/data-sets", "200"): lambda live: {"url": "/_status/data-sets"},
    ("GET", "/_status/buckets", "500"): lambda live: live.stale("/_status/buckets"),
    ("GET", "/_status/data-sets", "500"): lambda live: live.stale("/_status/data-sets"),
    ("GET", "/data-sets", "200"): lambda live: {"url": "/data-sets", "headers": admin()},
    ("GET", "/data-sets", "401"): lambda live: {"url": "/data-sets"},
    ("GET", "/data-sets/{name}", "200"): lambda live: {"url": f"/data-sets/{BUCKET}",
                                                       "headers": admin()},
    ("GET", "/data-sets/{name}", "401"): lambda live: {"url": f"/data-sets/{BUCKET}"},
    ("GET", "/data-sets/{name}", "404"): lambda live: {"url": "/data-sets/nowhere",
                                                       "headers": admin()},
    ("DELETE", "/data-sets/{name}", "200"): lambda live: {
        "url": f"/data-sets/{_created(live)}", "headers": admin()},
    ("DELETE", "/data-sets/{name}", "401"): lambda live: {"url": f"/data-sets/{BUCKET}"},
    ("DELETE", "/data-sets/{name}", "404"): lambda live: {"url": "/data-sets/nowhere",
                                                          "headers": admin()},
    ("PATCH", "/data-sets/{name}", "200"): lambda live: {
        "url": f"/data-sets/{_created(live)}", "headers": admin(), "json": {"published": False}},
    ("PATCH", "/data-sets/{name}", "400"): lambda live: {
        "url": f"/data-sets/{BUCKET}", "headers": admin(), "json": {"capped_size": -1}},
    ("PATCH", "/data-sets/{name}", "401"): lambda live: {
        "url": f"/data-sets/{BUCKET}", "json": {"published": True}},
    ("PATCH", "/data-sets/{name}", "404"): lambda live: {
        "url": "/data-sets/nowhere", "headers": admin(), "json": {"published": True}},
    ("PATCH", "/data-sets/{name}", "409"): _clash,
    ("PATCH", "/data-sets/{name}", "413"): lambda live: _too_big(f"/data-sets/{BUCKET}"),
    ("PATCH", "/data-sets/{name}", "415"): lambda live: _not_json(f"/data-sets/{BUCKET}"),
    ("POST", "/data-sets/{name}", "201"): lambda live: {
        "url": f"/data-sets/{unique('new')}", "headers": admin(), "json": {}},
    ("POST", "/data-sets/{name}", "400"): lambda live: {
        "url": f"/data-sets/{unique('new')}", "headers": admin(), "json": {"capped_size": "x"}},
    ("POST", "/data-sets/{name}", "401"): lambda live: {
        "url": f"/data-sets/{unique('new')}", "json": {}},
    ("POST", "/data-sets/{name}", "409"): lambda live: {
        "url": f"/data-sets/{BUCKET}", "headers": admin(), "json": {}},
    ("POST", "/data-sets/{name}", "413"): lambda live: _too_big(f"/data-sets/{unique('new')}"),
    ("POST", "/data-sets/{name}", "415"): lambda live: _not_json(f"/data-sets/{unique('new')}"),
    ("POST", "/data-sets/{name}/token", "200"): lambda live: {
        "url": f"/data-sets/{_created(live)}/token", "headers": admin()},
    ("POST", "/data-sets/{name}/token", "401"): lambda live: {
        "url": f"/data-sets/{BUCKET}/token"},
    ("POST", "/data-sets/{name}/token", "404"): lambda live: {
        "url": "/data-sets/nowhere/token", "headers": admin()},
    **_records_recipes(),
}


def documented_statuses():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or "admin" in operation.get("tags", ()):
                continue
            for status in operation["responses"]:
                yield method.upper(), path, status


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with Live(tmp_path_factory.mktemp("statuses")) as server:
        server.scratch_token = server.server.create_bucket(
            "scratch", data_group="scratch-group", data_type="scratch-type")
        yield server


def test_every_documented_status_has_a_recipe_or_a_reason():
    missing = [key for key in documented_statuses()
               if key not in RECIPES and not environmental(*key)]
    assert missing == []


REACHABLE = sorted(key for key in documented_statuses() if key in RECIPES)


@pytest.mark.parametrize("method, path, status", REACHABLE,
                         ids=[" ".join(key) for key in REACHABLE])
def test_the_status_is_reached_and_conforms(live, method, path, status):
    kwargs = RECIPES[(method, path, status)](live)
    if isinstance(kwargs, requests.Response):  # a recipe that sets up, asks and cleans up
        response = kwargs
    else:
        response = requests.request(method, live.url + kwargs.pop("url"), timeout=30, **kwargs)
    assert str(response.status_code) == status, response.text
    operation = SCHEMA[path][method.lower()]
    case = operation.Case(path_parameters={name: "x" for name in re.findall(r"{(\w+)}", path)})
    case.validate_response(response, checks=CONFORMANCE)
