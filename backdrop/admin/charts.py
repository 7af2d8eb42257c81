"""Vega-Lite specifications of the admin pages' charts.

The numbers come from the read API (``backdrop.admin.reads``); here they are
only renamed into the chart's fields (``period``, ``series``, ``value``) and
described: axes, titles, tooltips. The browser draws them with Vega-Lite and
vega-embed served from ``static/vendor`` (``static/charts.js``); see
docs/admin.md for why that library.
"""
import json
from datetime import UTC, datetime

from ..periods import period_start, shift
from ..records import format_datetime
from .reads import read_rows

WEEKS = 12
AXIS_DATE = "utcFormat(toDate(datum.value), '%d %b')"
NUMBER = ",~r"  # thousands separators, no needless decimals
# Ticks on the period starts themselves (Vega's own weeks start on Sundays).
TICK_FORMATS = {"hour": "%d %b %H:%M", "day": "%d %b", "week": "%d %b", "month": "%b %Y",
                "quarter": "%b %Y", "year": "%Y"}


def to_json(spec):
    return json.dumps(spec, separators=(",", ":"), allow_nan=False)


def weekly_counts(request, bucket, now=None, weeks=WEEKS):
    """The read API's weekly counts of the last ``weeks`` weeks, this one included."""
    now = now or datetime.now(UTC)
    this_week = period_start(now, "week")
    pairs = [
        ("period", "week"),
        ("start_at", format_datetime(shift(this_week, "week", -(weeks - 1)))),
        ("end_at", format_datetime(shift(this_week, "week", 1))),
    ]
    return read_rows(request, bucket, pairs, now=now)[1]


def _epoch_ms(iso):
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _day(iso):
    return datetime.fromisoformat(iso).astimezone(UTC)


def weekly_counts_spec(rows, bucket_name):
    """A small bar chart, with axes, of ``weekly_counts`` rows."""
    values = [
        {"period": row["_start_at"], "label": f"{_day(row['_start_at']):%d %b %Y}",
         "value": row["_count"]}
        for row in rows
    ]
    return {
        "description": f"Records per week in {bucket_name} over the last {len(rows)} weeks",
        "width": "container",
        "height": 90,
        "data": {"values": values},
        "mark": {"type": "bar", "color": "#1d70b8", "tooltip": True},
        "encoding": {
            "x": {"field": "period", "type": "ordinal", "title": "Week starting",
                  "axis": {"labelExpr": AXIS_DATE, "labelAngle": 0, "labelOverlap": "greedy"}},
            "y": {"field": "value", "type": "quantitative", "title": "Records",
                  "axis": {"format": NUMBER, "tickMinStep": 1, "tickCount": 3}},
            "tooltip": [
                {"field": "label", "type": "nominal", "title": "Week of"},
                {"field": "value", "type": "quantitative", "title": "Records", "format": ","},
            ],
        },
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 11}},
    }


def period_label(iso, period):
    """How a period start reads in a tooltip or a table."""
    moment = _day(iso)
    if period == "hour":
        return f"{moment:%d %b %Y %H:%M} UTC"
    if period in ("day", "week"):
        return f"{moment:%d %b %Y}"
    if period == "month":
        return f"{moment:%b %Y}"
    if period == "quarter":
        return f"Q{(moment.month - 1) // 3 + 1} {moment:%Y}"
    return f"{moment:%Y}"


def group_label(row, group_by):
    return " / ".join("(none)" if row.get(key) is None else str(row[key]) for key in group_by)


def chart_points(rows, period, group_by, measure):
    """One point per (series, period) or per group: the read API's value of ``measure``."""
    points = []
    if period and group_by:
        for row in rows:
            series = group_label(row, group_by)
            for value in row["values"]:
                points.append({"period": value["_start_at"],
                               "label": period_label(value["_start_at"], period),
                               "series": series, "value": value.get(measure)})
    elif period:
        for row in rows:
            points.append({"period": row["_start_at"],
                           "label": period_label(row["_start_at"], period),
                           "series": "All records", "value": row.get(measure)})
    else:
        for row in rows:
            label = group_label(row, group_by)
            points.append({"period": label, "label": label, "series": label,
                           "value": row.get(measure)})
    return points


def explore_spec(points, period, group_by, measure_title, style):
    """Lines or bars over time (one series per group), or bars per group."""
    value = {"field": "value", "type": "quantitative", "title": measure_title,
             "axis": {"format": NUMBER}}
    tooltip = [
        {"field": "series", "type": "nominal", "title": "Series"},
        {"field": "label", "type": "nominal", "title": "Period" if period else "Group"},
        {"field": "value", "type": "quantitative", "title": measure_title, "format": ","},
    ]
    legend_title = " / ".join(group_by) if group_by else "Series"
    encoding = {"y": value, "tooltip": tooltip}
    if not period:
        encoding["x"] = {"field": "label", "type": "nominal", "title": legend_title,
                         "sort": None, "axis": {"labelAngle": -30, "labelLimit": 120}}
        mark = {"type": "bar", "tooltip": True}
    elif style == "bar":
        encoding["x"] = {"field": "period", "type": "ordinal", "title": f"{period.capitalize()} starting",
                         "axis": {"labelExpr": AXIS_DATE, "labelAngle": 0, "labelOverlap": "greedy"}}
        encoding["xOffset"] = {"field": "series", "type": "nominal"}
        mark = {"type": "bar", "tooltip": True}
    else:
        starts = sorted({point["period"] for point in points})
        encoding["x"] = {"field": "period", "type": "temporal", "title": f"{period.capitalize()} starting",
                         "scale": {"type": "utc"},
                         "axis": {"values": [_epoch_ms(start) for start in starts],
                                  "format": TICK_FORMATS[period], "labelOverlap": "greedy"}}
        mark = {"type": "line", "point": {"size": 60}, "tooltip": True}
    encoding["color"] = {"field": "series", "type": "nominal", "title": legend_title,
                         "legend": {"orient": "bottom", "columns": 3}}
    return {
        "description": f"{measure_title} {'per ' + period if period else 'per group'}",
        "width": "container",
        "height": 320,
        "data": {"values": points},
        "mark": mark,
        "encoding": encoding,
        "config": {"view": {"stroke": None}},
    }



