"""``GET /_openapi.json`` (SPEC 9): valid OpenAPI 3.1, and exactly what each role serves.

The oracle is the app's behaviour, not the document code: every documented
operation is answered by a view, and every (route, method) left out of the
document answers as an unserved URL does (the JSON 404, or a 405).
"""
import re

import pytest
from openapi_spec_validator import validate
from pyramid.interfaces import IRoutesMapper

from tests.conftest import ADMIN_TOKEN

ROLES = {
    "read": "read",
    "write": "write",
    "admin": "admin",
    "all": "read write admin",
}
METHODS = ("get", "post", "put", "patch", "delete", "options")
OPERATION_KEYS = set(METHODS) | {"head", "trace"}
SAMPLE = {"bucket": "visits", "data_group": "web", "data_type": "visits",
          "name": "visits", "subpath": "admin.css"}
NOT_SERVED = {"status": "error", "message": "not found"}
# velruse's callback (a route context factory) reads any method; the provider sends GET.
ANY_METHOD = {"/sign-in/callback"}


def documented(document):
    return {(path, method) for path, item in document["paths"].items()
            for method in item if method in OPERATION_KEYS}


def concrete(path):
    for name, value in SAMPLE.items():
        path = path.replace("{" + name + "}", value)
    return path


def route_paths(app):
    """Every route of backdrop/routes.py (and the admin role's own) in OpenAPI form."""
    from backdrop.openapi.served import openapi_path

    mapper = app.app.registry.queryUtility(IRoutesMapper)
    return {openapi_path(route.pattern) for route in mapper.get_routes()}


@pytest.fixture(params=sorted(ROLES))
def role_app(request, make_app):
    app = make_app(**{"backdrop.roles": ROLES[request.param]})
    store = app.app.registry["backdrop.store"]
    from backdrop.buckets import new_config

    config, _ = new_config("visits", {"data_group": "web", "data_type": "visits"},
                           app.app.registry["backdrop.plugins"])
    store.create_bucket(config)
    if "admin" in ROLES[request.param]:  # pages answer their methods only once signed in
        app.get("/_test/sign-in", {"email": "ada@example.com", "admin": "true"}, status=302)
        token = re.search(r'name="csrf_token" value="([^"]+)"', app.get("/_admin/users").text).group(1)
        app.extra_environ["HTTP_X_CSRF_TOKEN"] = token
    return request.param, app


def test_the_document_is_valid_openapi_3_1(role_app):
    _, app = role_app
    response = app.get("/_openapi.json")
    assert response.content_type == "application/json"
    document = response.json
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema


def test_every_documented_operation_is_answered_by_a_view(role_app):
    _, app = role_app
    document = app.get("/_openapi.json").json
    for path, method in sorted(documented(document)):
        response = app.request(concrete(path), method=method.upper(), expect_errors=True,
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        body = response.json if response.content_type == "application/json" else None
        assert body != NOT_SERVED, f"{method.upper()} {path} is documented but not served"
        assert response.status_int != 405, f"{method.upper()} {path} is documented but 405"


def test_every_served_operation_is_documented(role_app):
    """Each route x method not in the document answers as an unserved one does."""
    _, app = role_app
    document = app.get("/_openapi.json").json
    listed = documented(document)
    for path in sorted(route_paths(app) - ANY_METHOD):
        for method in METHODS:
            if (path, method) in listed or (method == "get" and (path, "head") in listed):
                continue
            response = app.request(concrete(path), method=method.upper(), expect_errors=True,
                                   headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
            served_elsewhere = response.status_int in (404, 405)
            assert served_elsewhere, (
                f"{method.upper()} {path} answered {response.status} but is not documented"
            )
            if response.status_int == 405 and response.content_type == "application/json":
                assert allowed(response) == documented_methods(listed, path), path


def allowed(response):
    return {method.strip().lower() for method in response.headers["Allow"].split(",")}


def documented_methods(listed, path):
    methods = {method for documented_path, method in listed if documented_path == path}
    return methods | ({"head"} if "get" in methods else set())


def test_each_role_documents_only_its_own_operations(make_app):
    documents = {role: make_app(**{"backdrop.roles": roles}).get("/_openapi.json").json
                 for role, roles in ROLES.items()}
    operations = {role: documented(document) for role, document in documents.items()}
    assert ("/{bucket}", "get") in operations["read"]
    assert ("/{bucket}", "post") not in operations["read"]
    assert ("/{bucket}", "post") in operations["write"]
    assert ("/{bucket}", "get") not in operations["write"]
    assert ("/data-sets/{name}/token", "post") in operations["write"]
    assert ("/{bucket}/upload", "post") in operations["admin"]
    assert not any(path.startswith("/data-sets") for path, _ in operations["admin"])
    for role in ROLES:
        assert ("/_status", "get") in operations[role]
        assert ("/_openapi.json", "get") in operations[role]
    assert operations["all"] == operations["read"] | operations["write"] | operations["admin"]


def test_bearer_auth_is_declared_where_a_token_is_needed(make_app):
    document = make_app().get("/_openapi.json").json
    schemes = document["components"]["securitySchemes"]
    assert schemes["bucketToken"] == {**schemes["bucketToken"], "type": "http",
                                      "scheme": "bearer"}
    paths = document["paths"]
    assert paths["/{bucket}"]["post"]["security"] == [{"bucketToken": []}]
    assert paths["/data-sets/{name}"]["delete"]["security"] == [{"adminToken": []}]
    assert "security" not in paths["/{bucket}"]["get"]
    assert "401" in paths["/{bucket}"]["put"]["responses"]


def test_metrics_are_documented_only_when_served(make_app):
    without = make_app().get("/_openapi.json").json
    with_metrics = make_app(**{"backdrop.metrics.enabled": "true",
                               "backdrop.metrics.token": "m" * 24}).get("/_openapi.json").json
    assert "/_metrics" not in without["paths"]
    assert with_metrics["paths"]["/_metrics"]["get"]["security"] == [{"metricsToken": []}]


def test_the_document_names_the_public_url_as_its_server(make_app):
    document = make_app(**{"backdrop.public_url": "https://backdrop.example/"}).get(
        "/_openapi.json").json
    assert document["servers"] == [{"url": "https://backdrop.example"}]


def test_only_get_and_head_are_answered(app):
    assert app.head("/_openapi.json").status_int == 200
    response = app.post("/_openapi.json", status=405)
    assert response.json == {"status": "error", "message": "method not allowed"}


def test_registered_names_come_from_the_plugins(make_app):
    """A third-party bucket type is in the enum; built-in collect methods are in the pattern."""
    document = make_app(**{"backdrop.load_entry_points": "true"}).get("/_openapi.json").json
    config = document["components"]["schemas"]["BucketConfigInput"]["properties"]
    assert {"events", "realtime", "custom", "measurements"} <= set(config["bucket_type"]["enum"])
    assert set(config["upload_format"]["enum"]) >= {"csv", "excel"}
    collect = document["components"]["parameters"]["collect"]["schema"]["items"]["pattern"]
    for method in ("sum", "count", "set", "mean", "min", "max"):
        assert f"|{method}|" in collect.replace("(", "|").replace(")", "|")


def test_the_document_is_built_on_demand_when_the_app_was_not_announced(app):
    """An app whose ApplicationCreated never fired still answers with the same document."""
    from backdrop.openapi import DOCUMENT

    built = app.get("/_openapi.json").json
    del app.app.registry[DOCUMENT]
    assert app.get("/_openapi.json").json == built
