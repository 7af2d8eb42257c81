"""``/<bucket>/explore``: ask a bucket a read-API question and see the answer (SPEC 6).

For the bucket's uploaders and for admins. The answer is the read API's
(``reads.read_rows``): drawn as a chart, listed as a table, offered as the
read-API URL of exactly that query and as a CSV download, with the bucket's
20 newest records below.
"""
import logging

from pyramid.response import Response
from pyramid.view import view_config

from ..csv_output import csv_text
from ..interfaces import IStore
from ..query import PERCENTILES
from ..read.shaping import flatten
from .access import explorable_bucket, not_found
from .charts import chart_points, explore_spec, to_json
from .explorer_query import COMMON_ZONES, PERIODS, SLOTS, ExplorerForm
from .pages import page, with_admin_headers
from .reads import READ_ERRORS, read_api_path, read_rows
from .views import PAGE

log = logging.getLogger(__name__)
NEWEST = 20
STANDARD_METHODS = ("sum", "count", "mean", "min", "max", "median", "distinct", "set",
                    *PERCENTILES)


def _methods(request):
    names = list(request.plugins.collectors)
    return [name for name in STANDARD_METHODS if name in names] + sorted(
        name for name in names if name not in STANDARD_METHODS
    )


def _table(rows, params):
    """Rows as the table shows them: period + group answers one row per group and period."""
    if params.period and params.group_by:
        rows = flatten(rows, params.group_by)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return {"columns": columns, "rows": [[_cell(row.get(key)) for key in columns] for row in rows]}


def _cell(value):
    """``(shown, exact)``: thousands separators for people, the read API's value for machines."""
    if isinstance(value, bool) or value is None:
        shown = "" if value is None else str(value).lower()
    elif isinstance(value, int):
        shown = f"{value:,}"
    elif isinstance(value, float):
        shown = f"{value:,.6g}" if abs(value) < 1e15 else repr(value)
    elif isinstance(value, list):
        shown = ", ".join(str(item) for item in value)
    else:
        shown = str(value)
    exact = "" if value is None else (repr(value) if isinstance(value, float) else str(value))
    return {"shown": shown, "exact": exact}


def _is_empty(rows):
    return not rows or all(not row.get("_count") for row in rows)


def _read_api_url(request, name, pairs):
    base = request.registry.settings.get("backdrop.read_api_url") or request.application_url
    return base.rstrip("/") + read_api_path(name, pairs)


@view_config(route_name="admin.explore", request_method=("GET", "HEAD"), **PAGE)
def explore(request):
    config = explorable_bucket(request)
    if config is None:
        return not_found(request, "There is no data set here that you may explore.")
    name = config["name"]
    form = ExplorerForm.from_request(request.GET)
    pairs = form.read_api_pairs()
    if request.GET.get("download") == "csv":
        return _csv(request, config, pairs)
    error, rows, params = None, [], None
    try:
        params, rows = read_rows(request, config, pairs)
    except READ_ERRORS as refused:
        error = str(refused)
    chart = table = None
    measures = form.measures(request.plugins.collectors)
    measure = dict(measures).get(form.measure) and form.measure or "_count"
    if params is not None:
        table = _table(rows, params)
        if (params.period or params.group_by) and not _is_empty(rows):
            points = chart_points(rows, params.period, params.group_by, measure)
            chart = to_json(explore_spec(points, params.period, params.group_by,
                                         dict(measures)[measure], form.chart))
    newest = read_rows(request, config, [("sort_by", "_timestamp:descending"),
                                         ("limit", str(NEWEST))], protected=False)[1]
    log.info("%s explored %s: %s", request.admin_user["email"], name, read_api_path(name, pairs))
    return page(
        request, "explore", status=400 if error else 200, bucket=config, form=form,
        periods=PERIODS, methods=_methods(request), slots=range(SLOTS),
        common_zones=COMMON_ZONES,
        fields=request.find_service(IStore).field_names(name), measures=measures,
        measure=measure, error=error, rows=rows, table=table, chart=chart,
        empty=params is not None and _is_empty(rows),
        read_api_url=_read_api_url(request, name, pairs),
        csv_url=request.route_url("admin.explore", bucket=name,
                                  _query=[*_form_pairs(request), ("download", "csv")]),
        newest=_table(newest, _Raw), charts=True, scripts=["copy.js"],
    )


class _Raw:
    period = None
    group_by = ()


def _form_pairs(request):
    return [(key, value) for key, value in request.GET.items() if key != "download"]


def _csv(request, config, pairs):
    """The same answer as the read API's ``format=csv``, as a download."""
    try:
        rows = read_rows(request, config, [*pairs, ("format", "csv")])[1]
    except READ_ERRORS as refused:
        response = Response(json_body={"status": "error", "message": str(refused)}, status=400)
        return with_admin_headers(response)
    response = Response(body=csv_text(rows).encode("utf-8"), content_type="text/csv",
                        charset="utf-8")
    response.content_disposition = f'attachment; filename="{config["name"]}.csv"'
    return with_admin_headers(response)
