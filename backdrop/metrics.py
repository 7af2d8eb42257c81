"""``GET /_metrics``: Prometheus text-format metrics of this process.

Off unless ``backdrop.metrics.enabled`` is true; then every request is counted
by a tween and ``/_metrics`` answers only ``Authorization: Bearer <token>``
with ``backdrop.metrics.token`` (or ``BACKDROP_METRICS_TOKEN``). A token rather
than a second port: each role is one waitress server, so a token works behind
the same load balancer and in every deployment, and Prometheus sends one with
``authorization: {credentials_file: ...}``. The counters live in a registry of
this app (not prometheus_client's global one), so two apps in one process
never mix their numbers.

Labels are bounded: routes are route names, bucket labels only ever name
buckets that exist (a URL naming an unknown bucket counts under its route
only), statuses are numbers.
"""
import hmac
import sqlite3
import sys
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from pyramid.response import Response
from pyramid.tweens import EXCVIEW

from .auth import presented_token, wrong_token
from .settings import SettingsError
from .store.errors import StoreFull, StoreUnavailable

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
WRITE_ROUTES = frozenset({"bucket", "bucket.by_group"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
UPLOAD_ROUTE = "admin.upload"


# What makes a request a store error: the database's own errors, a full store, a store away.
# (Not the store errors that say a request was wrong, such as an unknown bucket.)
STORE_ERRORS = (sqlite3.Error, StoreFull, StoreUnavailable)


def is_store_error(error):
    """``STORE_ERRORS``, or pymongo's, when the MongoDB store is in use (pymongo is 18 MB
    of a process's memory, so it is imported only by the MongoDB store)."""
    mongo = sys.modules.get("pymongo.errors")
    return isinstance(error, STORE_ERRORS) or (
        mongo is not None and isinstance(error, mongo.PyMongoError))


class Metrics:
    """Every metric this process exports, in one registry."""

    def __init__(self, space, app_registry):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "backdrop_http_requests", "HTTP requests answered, by route name, method and status.",
            ("route", "method", "status"), registry=self.registry,
        )
        self.latency = Histogram(
            "backdrop_http_request_duration_seconds",
            "Time from request to response ready, by route name.",
            ("route",), registry=self.registry,
        )
        self.records_written = Counter(
            "backdrop_records_written", "Records in batches the store accepted, by bucket.",
            ("bucket",), registry=self.registry,
        )
        self.records_refused = Counter(
            "backdrop_records_refused",
            "Records in batches refused whole (bad record, too big, store full...), by bucket.",
            ("bucket",), registry=self.registry,
        )
        self.batches_refused = Counter(
            "backdrop_batches_refused", "Write requests refused, by bucket and status.",
            ("bucket", "status"), registry=self.registry,
        )
        self.store_errors = Counter(
            "backdrop_store_errors",
            "Requests that met a store error (unreachable, full, database errors), by kind.",
            ("kind",), registry=self.registry,
        )
        self.uploads = Counter(
            "backdrop_uploads", "Admin-app uploads, by bucket and outcome (stored or refused).",
            ("bucket", "outcome"), registry=self.registry,
        )
        store_full = Gauge(
            "backdrop_store_full",
            "1 while this process's last write found the store full (507), else 0.",
            registry=self.registry,
        )
        store_full.set_function(lambda: 0 if space.full_reason is None else 1)
        self.registry.register(MirrorCollector(app_registry))

    def observe(self, request, status, seconds):
        route = request.matched_route.name if request.matched_route is not None else "none"
        method = request.method if request.method in METHODS else "other"
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        self._count_store_error(request, route, status)
        bucket = request.environ.get("backdrop.bucket")
        if route in WRITE_ROUTES and method in WRITE_METHODS and bucket:
            self._count_write(request, bucket, status)
        if route == UPLOAD_ROUTE and method == "POST" and status != 404:
            bucket = (request.matchdict or {}).get("bucket")
            self.uploads.labels(bucket, "stored" if status < 400 else "refused").inc()

    def _count_write(self, request, bucket, status):
        records = request.environ.get("backdrop.batch_size", 0)
        if status < 400:
            self.records_written.labels(bucket).inc(records)
        else:
            self.records_refused.labels(bucket).inc(records)
            self.batches_refused.labels(bucket, str(status)).inc()

    def _count_store_error(self, request, route, status):
        error = getattr(request, "exception", None)
        if is_store_error(error):
            self.store_errors.labels(type(error).__name__).inc()
        elif route == "status" and status >= 500:
            self.store_errors.labels("unreachable").inc()

    def exposition(self):
        return generate_latest(self.registry)


class MirrorCollector:
    """The read role's columnar mirror: records behind the store per bucket, time catching up.

    Read at scrape time: the lag is what the next read of each bucket will
    apply first (rows to add plus rows to remove; a whole bucket when it was
    replaced or never mirrored).
    """

    def __init__(self, app_registry):
        self.app_registry = app_registry

    def describe(self):
        return []  # collected only when scraped: the mirror may not exist yet

    def collect(self):
        mirror = self.app_registry.get("backdrop.read_engine")
        if not hasattr(mirror, "held_positions"):
            return  # this process has no mirror (write or admin role, MongoDB store)
        lag = GaugeMetricFamily(
            "backdrop_mirror_lag_records", "Records the columnar mirror is behind the store, by bucket.",
            labels=("bucket",),
        )
        for bucket, held in sorted(mirror.held_positions().items()):
            now = mirror.store.feed_position(bucket)
            if now is not None:
                lag.add_metric((bucket,), _records_behind(held, now))
        yield lag
        yield CounterMetricFamily(
            "backdrop_mirror_catch_ups", "Times the mirror applied store changes.",
            value=mirror.catch_ups,
        )
        yield CounterMetricFamily(
            "backdrop_mirror_merged_answers",
            "Reads the mirror answered with the store's answer over the rows appended since.",
            value=mirror.merged_answers,
        )
        yield CounterMetricFamily(
            "backdrop_mirror_catch_up_seconds", "Time spent applying store changes to the mirror.",
            value=mirror.catch_up_seconds,
        )


def _records_behind(held, now):
    """Records written since the mirror's position; at least 1 while removals are pending.

    Removal positions number the store's removal log across every bucket,
    so their difference is no count of this bucket's records.
    """
    if held is None or held.generation != now.generation:
        return now.written
    behind = now.written - held.written
    return behind if behind or now.removed == held.removed else 1


def metrics_tween_factory(handler, registry):
    metrics = registry["backdrop.metrics"]

    def metrics_tween(request):
        started = time.perf_counter()
        try:
            response = handler(request)
        except Exception:
            metrics.observe(request, 500, time.perf_counter() - started)
            raise
        metrics.observe(request, response.status_int, time.perf_counter() - started)
        return response

    return metrics_tween


def metrics_view(request):
    expected = request.registry.settings["backdrop.metrics.token"]
    if not hmac.compare_digest(presented_token(request).encode(), expected.encode()):
        raise wrong_token("Bearer token is not the metrics token")
    response = Response(body=request.registry["backdrop.metrics"].exposition())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.cache_control = "no-cache"
    return response


def includeme(config):
    settings = config.get_settings()
    if not settings["backdrop.metrics.enabled"]:
        return  # /_metrics has no view: 404, like any unknown path
    if not settings.get("backdrop.metrics.token"):
        raise SettingsError(
            "backdrop: refusing to start: backdrop.metrics.enabled needs backdrop.metrics.token"
            " (or BACKDROP_METRICS_TOKEN)"
        )
    config.registry["backdrop.metrics"] = Metrics(config.registry["backdrop.store_space"], config.registry)
    config.add_tween("backdrop.metrics.metrics_tween_factory", over=EXCVIEW)
    config.add_view(metrics_view, route_name="metrics", request_method=("GET", "HEAD"))
