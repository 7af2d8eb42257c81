"""The reusable parts of the document: schemas, parameters, responses, auth.

Constraints are SPEC's (1, 2.3, 3.2); the read and write code enforce them,
the fuzzer checks that the two agree.
"""
import copy

NAME_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$"
KEY_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
MAX_REPEAT = 10


def ref(kind, name):
    return {"$ref": f"#/components/{kind}/{name}"}


SCALAR = {"type": ["string", "number", "integer", "boolean", "null"]}

SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "Every error of the JSON API.",
        "required": ["status", "message"],
        "properties": {"status": {"const": "error"}, "message": {"type": "string"}},
    },
    "Ok": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"const": "ok"}, "message": {"type": "string"},
                       "count": {"type": "integer", "minimum": 0}},
    },
    "Status": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {
            "status": {"const": "ok"},
            "message": {"type": "string"},
            "warning": {"type": "string"},
            "store_full": {"type": "boolean"},
        },
    },
    "Record": {
        "type": "object",
        "description": "Keys: letters, digits and underscores; of the `_` keys only "
                       "`_id`, `_timestamp`, `_start_at`, `_end_at`. Values are scalars.",
        "propertyNames": {"pattern": KEY_PATTERN, "maxLength": 255},
        "additionalProperties": SCALAR,
        "properties": {
            "_id": {"type": "string", "pattern": "^\\S+$"},
            "_timestamp": {"type": "string", "description": "ISO 8601 with an offset or Z"},
            "_start_at": {"type": "string"},
            "_end_at": {"type": "string"},
        },
    },
    "Records": {
        "description": "One record or an array of them (a batch, all-or-nothing).",
        "oneOf": [ref("schemas", "Record"),
                  {"type": "array", "items": ref("schemas", "Record")}],
    },
    "Patch": {
        "description": "One change or an array of them; each names a stored record by `_id`.",
        "oneOf": [ref("schemas", "PatchItem"),
                  {"type": "array", "items": ref("schemas", "PatchItem")}],
    },
    "PatchItem": {
        "allOf": [ref("schemas", "Record")],
        "required": ["_id"],
    },
    "Row": {
        "type": "object",
        "description": "A raw record, a group or a period (SPEC 3.3); `values` nests periods.",
        "additionalProperties": True,
    },
    "ReadAnswer": {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"type": "array", "items": ref("schemas", "Row")},
            "warning": {"type": "string", "description": "present when the bucket is unpublished"},
        },
    },
    "BucketConfig": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": NAME_PATTERN},
            "data_group": {"type": ["string", "null"]},
            "data_type": {"type": ["string", "null"]},
            "bucket_type": {"type": "string"},
            "raw_queries_allowed": {"type": "boolean"},
            "queryable": {"type": "boolean"},
            "published": {"type": "boolean"},
            "auto_ids": {"type": ["array", "null"], "items": {"type": "string"}},
            "capped_size": {"type": "integer", "minimum": 0},
            "max_age_expected": {"type": ["integer", "null"], "minimum": 0},
            "upload_format": {"type": "string"},
            "upload_filters": {"type": "array", "items": {"type": "string"}},
        },
    },
    "BucketConfigWithToken": {
        "allOf": [ref("schemas", "BucketConfig")],
        "required": ["bearer_token"],
        "properties": {"bearer_token": {"type": "string",
                                        "description": "shown once; stored only hashed"}},
    },
    "BucketConfigInput": {
        "type": "object",
        "description": "Config fields to set (SPEC 1); unknown fields are refused.",
        "additionalProperties": False,
        "properties": {
            "data_group": {"type": ["string", "null"], "pattern": NAME_PATTERN},
            "data_type": {"type": ["string", "null"], "pattern": NAME_PATTERN},
            "bucket_type": {"type": "string", "description": "a registered bucket type"},
            "raw_queries_allowed": {"type": "boolean"},
            "queryable": {"type": "boolean"},
            "published": {"type": "boolean"},
            "auto_ids": {"type": ["array", "null"], "items": {"type": "string"}},
            "capped_size": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
            "max_age_expected": {"type": ["integer", "null"], "minimum": 0},
            "upload_format": {"type": "string", "description": "a registered upload parser"},
            "upload_filters": {"type": "array", "items": {"type": "string"}},
        },
    },
    "BucketList": {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "array", "items": ref("schemas", "BucketConfig")}},
    },
}


def _query(name, schema, description, repeated=False):
    parameter = {"name": name, "in": "query", "required": False,
                 "description": description, "schema": schema}
    if repeated:
        parameter.update(style="form", explode=True)
    return parameter


def _repeated(pattern):
    return {"type": "array", "maxItems": MAX_REPEAT,
            "items": {"type": "string", "pattern": pattern}}


DATETIME = {"type": "string", "description": "ISO 8601 with an offset or Z"}
FIELD_VALUE = "^[A-Za-z_][A-Za-z0-9_]*:"

PARAMETERS = {
    "start_at": _query("start_at", DATETIME, "window start (inclusive)"),
    "end_at": _query("end_at", DATETIME, "window end (exclusive unless inclusive=true)"),
    "inclusive": _query("inclusive", {"type": "string", "enum": ["true", "false"]},
                        "make end_at inclusive"),
    "duration": _query("duration", {"type": "integer", "minimum": 1},
                       "N periods; needs period"),
    "period": _query("period", {"type": "string",
                                "enum": ["hour", "day", "week", "month", "quarter", "year"]},
                     "group by time period"),
    "filter_by": _query("filter_by", _repeated(FIELD_VALUE), "field:value, ANDed", True),
    "filter_by_prefix": _query("filter_by_prefix", _repeated(FIELD_VALUE),
                               "field:prefix, literal and case-sensitive", True),
    "group_by": _query("group_by", _repeated("^[A-Za-z][A-Za-z0-9_]*$"), "group keys", True),
    "collect": _query("collect", _repeated("^[A-Za-z][A-Za-z0-9_]*(:[a-z0-9]+)?$"),
                      "field[:method]: sum, count, set, mean, min, max, median, p1..p99,"
                      " distinct, or a plugin's", True),
    "sort_by": _query("sort_by", {"type": "string",
                                  "pattern": "^[A-Za-z_][A-Za-z0-9_:]*:(ascending|descending)$"},
                      "field:ascending|descending"),
    "limit": _query("limit", {"type": "integer", "minimum": 0}, "at most N rows or groups"),
    "flatten": _query("flatten", {"type": "string", "enum": ["true", "false"]},
                      "period + group_by as flat rows"),
    "format": _query("format", {"type": "string", "enum": ["json", "csv"]}, "answer format"),
    "timezone": _query("timezone", {"type": "string"},
                       "IANA zone for period boundaries, e.g. Europe/London"),
    "bucket": {"name": "bucket", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": NAME_PATTERN}},
    "data_group": {"name": "data_group", "in": "path", "required": True,
                   "schema": {"type": "string", "pattern": NAME_PATTERN}},
    "data_type": {"name": "data_type", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": NAME_PATTERN}},
    "name": {"name": "name", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": NAME_PATTERN}},
}
READ_PARAMETERS = [
    "start_at", "end_at", "inclusive", "duration", "period", "filter_by", "filter_by_prefix",
    "group_by", "collect", "sort_by", "limit", "flatten", "format", "timezone",
]
DELETE_PARAMETERS = ["filter_by", "filter_by_prefix", "start_at", "end_at", "inclusive"]

HEADERS = {
    "X-Request-Id": {"description": "the caller's, when well-formed, else a new one",
                     "required": True, "schema": {"type": "string"}},
    "WWW-Authenticate": {"required": True, "schema": {"const": "Bearer"}},
    "ETag": {"required": True, "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"required": True, "schema": {"const": "*"}},
    "Location": {"required": True, "schema": {"type": "string"}},
}


def _json(schema, description, **headers):
    response = {"description": description,
                "content": {"application/json": {"schema": ref("schemas", schema)}}}
    response["headers"] = {"X-Request-Id": ref("headers", "X-Request-Id"),
                           **{name: ref("headers", name) for name in headers}}
    return response


def _html(description, **headers):
    return {"description": description,
            "content": {"text/html": {"schema": {"type": "string"}}},
            "headers": {"X-Request-Id": ref("headers", "X-Request-Id"),
                        **{name: ref("headers", name) for name in headers}}}


RESPONSES = {
    "BadRequest": _json("Error", "the message says what is wrong; nothing was stored"),
    "Unauthorized": _json("Error", "missing header, not `Bearer <token>`, or a wrong token",
                          **{"WWW-Authenticate": True}),
    "NotFound": _json("Error", "no such bucket (or not queryable)"),
    "Conflict": _json("Error", "the name or the data_group/data_type pair is taken"),
    "TooLarge": _json("Error", "body, inflated body or batch over its limit"),
    "UnsupportedMedia": _json("Error", "not application/json, or an encoding other than gzip"),
    "StoreFull": _json("Error", "the store is full: nothing of the batch was stored"),
    "StoreUnavailable": _json("Error", "a bounded wait for the store ran out; retry"),
    "ReadBadRequest": _json("Error", "a bad query: the message names the parameter",
                            **{"Access-Control-Allow-Origin": True}),
    "ReadNotFound": _json("Error", "bucket not found", **{"Access-Control-Allow-Origin": True}),
    "Page": _html("an admin page"),
    "PageError": _html("an admin error page saying what went wrong"),
    "Redirect": {"description": "a redirect (to sign-in, to the provider, or home)",
                 "headers": {"X-Request-Id": ref("headers", "X-Request-Id"),
                             "Location": ref("headers", "Location")}},
}

SECURITY_SCHEMES = {
    "bucketToken": {"type": "http", "scheme": "bearer",
                    "description": "the bucket's bearer token (SPEC 2.2)"},
    "adminToken": {"type": "http", "scheme": "bearer",
                   "description": "backdrop.admin_token (SPEC 5)"},
    "metricsToken": {"type": "http", "scheme": "bearer",
                     "description": "backdrop.metrics.token"},
    "adminSession": {"type": "apiKey", "in": "cookie", "name": "backdrop_admin",
                     "description": "a signed session cookie from Signon sign-in (SPEC 6)"},
}


def components(plugins=None):
    """The components; with ``plugins``, names that must be registered become enums."""
    parts = copy.deepcopy({"schemas": SCHEMAS, "parameters": PARAMETERS, "headers": HEADERS,
                           "responses": RESPONSES, "securitySchemes": SECURITY_SCHEMES})
    if plugins is not None:
        _registered(parts, plugins)
    return parts


def _registered(parts, plugins):
    """Bucket types, upload parsers and filters, collect methods: what this process has."""
    config = parts["schemas"]["BucketConfigInput"]["properties"]
    config["bucket_type"]["enum"] = sorted(plugins.bucket_types)
    config["upload_format"]["enum"] = sorted(plugins.upload_parsers)
    config["upload_filters"]["items"]["enum"] = sorted(plugins.upload_filters)
    methods = "|".join(sorted(plugins.collectors, key=lambda name: (-len(name), name)))
    collect = parts["parameters"]["collect"]["schema"]["items"]
    collect["pattern"] = f"^[A-Za-z][A-Za-z0-9_]*(:({methods}))?$"
