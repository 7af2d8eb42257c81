"""What each operation is, keyed by route name and method (the routes of backdrop/routes.py).

Only the operations this process serves go into its document
(``served.py``); an operation served but missing here is a test failure.
"""
from .components import DELETE_PARAMETERS, READ_PARAMETERS, ref

BUCKET_TOKEN = [{"bucketToken": []}]
ADMIN_TOKEN = [{"adminToken": []}]
ADMIN_SESSION = [{"adminSession": []}]
JSON_BODY = "application/json"


def _params(*names):
    return [ref("parameters", name) for name in names]


def _body(schema, required=True):
    return {"required": required, "content": {JSON_BODY: {"schema": ref("schemas", schema)}}}


def _ok(schema, description, status="200"):
    return {status: {"description": description,
                     "headers": {"X-Request-Id": ref("headers", "X-Request-Id")},
                     "content": {JSON_BODY: {"schema": ref("schemas", schema)}}}}


def _errors(*names):
    codes = {"BadRequest": "400", "ReadBadRequest": "400", "Unauthorized": "401",
             "NotFound": "404", "ReadNotFound": "404", "Conflict": "409", "TooLarge": "413",
             "UnsupportedMedia": "415", "StoreFull": "507", "StoreUnavailable": "503"}
    return {codes[name]: ref("responses", name) for name in names}


# -- health and the document itself (every role) --------------------------------
STATUS = {
    "get": {
        "tags": ["health"], "summary": "Is the store answering?", "operationId": "status",
        "responses": {
            **_ok("Status", "the store answers (a full store still says 200, with store_full)"),
            "500": {"description": "cannot connect to store",
                    "headers": {"X-Request-Id": ref("headers", "X-Request-Id")},
                    "content": {JSON_BODY: {"schema": ref("schemas", "Error")}}},
        },
    },
}
OPENAPI = {
    "get": {
        "tags": ["health"], "summary": "This document: the operations of this process's roles",
        "operationId": "openapi",
        "responses": {"200": {"description": "an OpenAPI 3.1 document",
                              "headers": {"X-Request-Id": ref("headers", "X-Request-Id")},
                              "content": {JSON_BODY: {"schema": {"type": "object",
                                                                 "required": ["openapi"]}}}}},
    },
}
METRICS = {
    "get": {
        "tags": ["health"], "summary": "Prometheus text-format metrics",
        "operationId": "metrics", "security": [{"metricsToken": []}],
        "responses": {
            "200": {"description": "metrics",
                    "content": {"text/plain": {"schema": {"type": "string"}}}},
            **_errors("Unauthorized"),
        },
    },
}


def _freshness(operation_id):
    return {"get": {
        "tags": ["health"], "summary": "Were buckets with max_age_expected written in time?",
        "operationId": operation_id,
        "responses": {
            **_ok("Status", "every bucket with max_age_expected is fresh"),
            "500": {"description": "the message names each stale bucket and its last update",
                    "headers": {"X-Request-Id": ref("headers", "X-Request-Id")},
                    "content": {JSON_BODY: {"schema": ref("schemas", "Error")}}},
        },
    }}


# -- records: read (SPEC 3) and write (SPEC 2) on both addresses ----------------------
def _records(address, path_params):
    """The operations of ``/<bucket>`` or ``/data/<group>/<type>``; ``address`` names ids."""
    read_answer = {
        "description": "the rows; CSV with format=csv",
        "headers": {"X-Request-Id": ref("headers", "X-Request-Id"),
                    "ETag": ref("headers", "ETag"),
                    "Access-Control-Allow-Origin": ref("headers", "Access-Control-Allow-Origin")},
        "content": {JSON_BODY: {"schema": ref("schemas", "ReadAnswer")},
                    "text/csv": {"schema": {"type": "string"}}},
    }
    write_errors = _errors("BadRequest", "Unauthorized", "NotFound", "TooLarge",
                           "UnsupportedMedia", "StoreFull", "StoreUnavailable")
    return {
        "parameters": _params(*path_params),
        "get": {
            "tags": ["read"], "summary": "Query records: raw, grouped or by period",
            "operationId": f"read_{address}",
            "parameters": [*_params(*READ_PARAMETERS),
                           {"name": "If-None-Match", "in": "header", "required": False,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": read_answer,
                "304": {"description": "If-None-Match matched the ETag: no body",
                        "headers": {"ETag": ref("headers", "ETag")}},
                **_errors("ReadBadRequest", "ReadNotFound", "StoreUnavailable"),
            },
        },
        "options": {
            "tags": ["read"], "summary": "CORS preflight: 200 for any name, a bucket or not",
            "operationId": f"preflight_{address}",
            "parameters": [{"name": name, "in": "path", "required": True,
                            "schema": {"type": "string"}} for name in path_params],
            "responses": {"200": {"description": "Access-Control-Max-Age: 86400",
                                  "headers": {"Access-Control-Allow-Origin":
                                              ref("headers", "Access-Control-Allow-Origin")}}},
        },
        "post": {
            "tags": ["write"], "summary": "Append records (upsert by _id)",
            "operationId": f"append_{address}", "security": BUCKET_TOKEN,
            "requestBody": _body("Records"),
            "responses": {**_ok("Ok", "stored: count is the records stored"), **write_errors},
        },
        "put": {
            "tags": ["write"], "summary": "Replace all records of the bucket, atomically",
            "operationId": f"replace_{address}", "security": BUCKET_TOKEN,
            "requestBody": _body("Records"),
            "responses": {**_ok("Ok", "replaced: count is the records stored"), **write_errors},
        },
        "delete": {
            "tags": ["write"],
            "summary": "Delete the records matching filters and/or a time window, atomically",
            "operationId": f"delete_records_{address}", "security": BUCKET_TOKEN,
            "parameters": _params(*DELETE_PARAMETERS),
            "responses": {**_ok("Ok", "count is the records deleted (0 when none matched)"),
                          **_errors("BadRequest", "Unauthorized", "NotFound", "StoreFull",
                                    "StoreUnavailable")},
        },
        "patch": {
            "tags": ["write"], "summary": "Set keys on stored records by _id, all-or-nothing",
            "operationId": f"patch_records_{address}", "security": BUCKET_TOKEN,
            "requestBody": _body("Patch"),
            "responses": {**_ok("Ok", "count is the records changed"), **write_errors},
        },
    }


# -- data-set management (SPEC 5) -----------------------------------------------
DATASETS = {
    "get": {
        "tags": ["data-sets"], "summary": "Every bucket's config (never tokens)",
        "operationId": "list_datasets", "security": ADMIN_TOKEN,
        "responses": {**_ok("BucketList", "the configs"), **_errors("Unauthorized")},
    },
}
DATASET = {
    "parameters": _params("name"),
    "get": {
        "tags": ["data-sets"], "summary": "One bucket's config", "operationId": "show_dataset",
        "security": ADMIN_TOKEN,
        "responses": {**_ok("BucketConfig", "the config"), **_errors("Unauthorized", "NotFound")},
    },
    "post": {
        "tags": ["data-sets"], "summary": "Create a bucket; its token is shown once",
        "operationId": "create_dataset", "security": ADMIN_TOKEN,
        "requestBody": _body("BucketConfigInput"),
        "responses": {**_ok("BucketConfigWithToken", "created", status="201"),
                      **_errors("BadRequest", "Unauthorized", "Conflict", "TooLarge",
                                "UnsupportedMedia")},
    },
    "patch": {
        "tags": ["data-sets"], "summary": "Change config fields", "operationId": "update_dataset",
        "security": ADMIN_TOKEN, "requestBody": _body("BucketConfigInput"),
        "responses": {**_ok("BucketConfig", "the new config"),
                      **_errors("BadRequest", "Unauthorized", "NotFound", "Conflict",
                                "TooLarge", "UnsupportedMedia")},
    },
    "delete": {
        "tags": ["data-sets"], "summary": "Delete a bucket: data and config",
        "operationId": "delete_dataset", "security": ADMIN_TOKEN,
        "responses": {**_ok("Ok", "Deleted <name>"), **_errors("Unauthorized", "NotFound")},
    },
}
DATASET_TOKEN = {
    "parameters": _params("name"),
    "post": {
        "tags": ["data-sets"], "summary": "Rotate the bucket's token: the old one stops at once",
        "operationId": "rotate_token", "security": ADMIN_TOKEN,
        "responses": {**_ok("BucketConfigWithToken", "the new token, shown once"),
                      **_errors("Unauthorized", "NotFound")},
    },
}


# -- the admin web app (SPEC 6): HTML pages, not fuzzed (docs/openapi.md) ------------
def _page(summary, operation_id, *, method="get", secured=True, codes=("200", "302", "4XX"),
          path_params=(), form=False):
    responses = {"200": ref("responses", "Page"), "301": ref("responses", "Redirect"),
                 "302": ref("responses", "Redirect"), "4XX": ref("responses", "PageError")}
    operation = {"tags": ["admin"], "summary": summary, "operationId": operation_id,
                 "responses": {code: responses[code] for code in codes}}
    if secured:
        operation["security"] = ADMIN_SESSION
    if form:
        operation["requestBody"] = {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            "multipart/form-data": {"schema": {"type": "object"}},
        }}
    item = {method: operation}
    if path_params:
        item["parameters"] = _params(*path_params)
    return item


def _pages(*items):
    merged = {}
    for item in items:
        for key, value in item.items():
            merged.setdefault(key, value)  # path parameters: the first item's
    return merged


ADMIN_PAGES = {
    "admin.home": _page("Signed-in home: charts and upload links", "admin_home"),
    "admin.user": _page("The old address of the home page", "admin_user", secured=False,
                        codes=("301",)),
    "admin.sign_in": _page("Go to the Signon provider", "sign_in", secured=False,
                           codes=("302",)),
    "admin.sign_in_callback": _page("The provider's return: completes sign-in",
                                    "sign_in_callback", secured=False,
                                    codes=("200", "302", "4XX")),
    "admin.sign_out": _pages(
        _page("Sign out everywhere", "sign_out", secured=False, codes=("200",)),
        _page("Sign out everywhere", "sign_out_post", method="post", secured=False,
              codes=("200", "4XX")),
    ),
    "admin.test_sign_in": _page("Test-only sign-in (backdrop.test_sign_in)", "test_sign_in",
                                secured=False, codes=("302", "4XX")),
    "admin.not_authorized": _page("Signed in without the signin permission",
                                  "not_authorized", secured=False, codes=("4XX",)),
    "admin.buckets": _page("Admins: every bucket", "admin_buckets"),
    "admin.bucket_new": _pages(
        _page("Admins: the new-bucket form", "admin_bucket_form"),
        _page("Admins: create a bucket (token shown once)", "admin_bucket_create",
              method="post", form=True),
    ),
    "admin.bucket": _pages(
        _page("Admins: one bucket's config", "admin_bucket", path_params=("name",)),
        _page("Admins: change a bucket's config", "admin_bucket_update", method="post",
              form=True),
    ),
    "admin.bucket_token": _page("Admins: rotate a bucket's token", "admin_bucket_token",
                                method="post", form=True, path_params=("name",)),
    "admin.bucket_delete": _page("Admins: delete a bucket after typing its name",
                                 "admin_bucket_delete", method="post", form=True,
                                 path_params=("name",)),
    "admin.users": _pages(
        _page("Admins: users and their buckets", "admin_users"),
        _page("Admins: grant or revoke a bucket", "admin_users_change", method="post",
              form=True),
    ),
    "admin.upload": _pages(
        _page("The upload form for a bucket", "upload_form", path_params=("bucket",)),
        _page("Upload a CSV or Excel file", "upload", method="post", form=True),
    ),
    "admin.explore": _page("Explore a bucket: chart, table, read-API URL, CSV",
                           "explore", path_params=("bucket",)),
    # Pyramid names a static view's route "__" + its path.
    "___admin/static/": {
        "parameters": [{"name": "subpath", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "get": {"tags": ["admin"], "summary": "The admin app's CSS, scripts and vendored files",
                "operationId": "admin_static",
                "responses": {"200": {"description": "the file",
                                      "content": {"*/*": {"schema": {}}}},
                              "404": {"description": "no such file"}}},
    },
}

BY_ROUTE = {
    "status": STATUS,
    "openapi": OPENAPI,
    "metrics": METRICS,
    "status.buckets": _freshness("buckets_status"),
    "status.data_sets": _freshness("data_sets_status"),
    "bucket": _records("bucket", ("bucket",)),
    "bucket.by_group": _records("data_group", ("data_group", "data_type")),
    "datasets.list": DATASETS,
    "datasets.item": DATASET,
    "datasets.token": DATASET_TOKEN,
    **ADMIN_PAGES,
}
# The velruse callback's views bind by context (AuthenticationComplete), not route name.
CONTEXT_ROUTES = ("admin.sign_in_callback",)
