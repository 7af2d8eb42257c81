"""The home page's small charts: a bucket's weekly record counts as SVG bars.

Counting happens in the read engine (one ``GROUP BY`` week, by the columnar
mirror on the embedded store); here we only fill the
weeks without records and scale bars. Templates draw the bars, so every label
is escaped by Chameleon.
"""
from datetime import UTC, datetime

from ..periods import period_start, periods_between, shift
from ..query import Query

WEEKS = 12
BAR_WIDTH = 10
BAR_GAP = 2
HEIGHT = 40


def weekly_counts(store, bucket, now=None, weeks=WEEKS):
    """``[(week_start, count), ...]`` for the last ``weeks`` weeks, this one included."""
    now = now or datetime.now(UTC)
    this_week = period_start(now, "week")
    start = shift(this_week, "week", -(weeks - 1))
    end = shift(this_week, "week", 1)
    groups = store.aggregate(bucket, Query(start_at=start, end_at=end, period="week"))
    counts = {group.period_start: group.count for group in groups}
    return [(week, counts.get(week, 0)) for week in periods_between(start, end, "week")]


def bar_chart(points):
    """Geometry for one small SVG bar chart of ``weekly_counts``."""
    top = max((count for _, count in points), default=0)
    bars = []
    for index, (week, count) in enumerate(points):
        height = round(HEIGHT * count / top) if top else 0
        if count and not height:
            height = 1  # a week with records never looks empty
        bars.append({
            "x": index * (BAR_WIDTH + BAR_GAP),
            "y": HEIGHT - height,
            "width": BAR_WIDTH,
            "height": height,
            "label": f"Week of {week:%d %b %Y}: {count} record{'s' if count != 1 else ''}",
            "count": count,
        })
    return {
        "width": len(points) * (BAR_WIDTH + BAR_GAP) - BAR_GAP if points else 0,
        "height": HEIGHT,
        "bars": bars,
        "total": sum(count for _, count in points),
        "max": top,
    }
