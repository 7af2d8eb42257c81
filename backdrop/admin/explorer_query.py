"""The explorer's form, turned into the read-API query it stands for (SPEC 6).

The form's fields are the read API's parameters in a friendlier shape
(a window picked as "the last N periods" or as dates, collects as field and
method, filters as field and value); ``read_api_pairs`` writes them as the
read-API query string, and the read API's own parser judges it. Nothing here
checks what the read API checks: its messages are the ones users see.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time

from ..periods import UnknownTimeZone, time_zone

PERIODS = ("hour", "day", "week", "month", "quarter", "year")
SLOTS = 3  # collect and filter rows on the form
# Offered as suggestions; any IANA name may be typed.
COMMON_ZONES = ("UTC", "Europe/London", "Europe/Dublin", "Europe/Paris", "America/New_York",
                "America/Chicago", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo",
                "Australia/Sydney", "Pacific/Auckland")


@dataclass
class ExplorerForm:
    """What the form holds, as the page shows it again."""

    period: str = "week"
    window: str = "last"
    duration: str = "12"
    start_date: str = ""
    end_date: str = ""
    group_by: list = field(default_factory=list)
    collects: list = field(default_factory=list)  # [(field, method)] * SLOTS
    filters: list = field(default_factory=list)  # [(field, value)] * SLOTS
    chart: str = "line"
    measure: str = "_count"
    timezone: str = ""

    @classmethod
    def from_request(cls, params):
        """The form from a GET query string; a first visit (no ``period``) gets the defaults."""
        if "period" not in params:
            return cls(collects=_slots([], []), filters=_slots([], []))

        def first(name, default=""):
            value = params.get(name, default)
            return value.strip() if isinstance(value, str) else default

        return cls(
            period=first("period"),
            window="dates" if first("window") == "dates" else "last",
            duration=first("duration"),
            start_date=first("start_date"),
            end_date=first("end_date"),
            group_by=[name for name in params.getall("group_by") if name],
            collects=_slots(params.getall("collect_field"), params.getall("collect_method")),
            filters=_slots(params.getall("filter_field"), params.getall("filter_value")),
            chart="bar" if first("chart") == "bar" else "line",
            measure=first("measure", "_count") or "_count",
            timezone=first("timezone"),
        )

    def read_api_pairs(self):
        """The read-API query parameters, in a stable order."""
        pairs = []
        if self.period:
            pairs.append(("period", self.period))
        if self.window == "dates":
            if self.start_date:
                pairs.append(("start_at", _midnight(self.start_date, self.timezone)))
            if self.end_date:
                pairs.append(("end_at", _midnight(self.end_date, self.timezone)))
        elif self.duration:
            pairs.append(("duration", self.duration))
        pairs.extend(("group_by", name) for name in self.group_by)
        for name, method in self.collects:
            if name:
                pairs.append(("collect", f"{name}:{method}" if method else name))
        for name, value in self.filters:
            if name:
                pairs.append(("filter_by", f"{name}:{value}"))
        if self.timezone:
            pairs.append(("timezone", self.timezone))
        return pairs

    def measures(self, methods):
        """What the chart can show: the count, and each collect whose value is a number."""
        labels = [("_count", "Number of records")]
        for name, method in self.collects:
            if name and method and method in methods and method != "set":
                labels.append((f"{name}:{method}", f"{method} of {name}"))
        return labels


def _slots(names, values):
    rows = list(zip(names, values, strict=False))[:SLOTS]
    rows = [(name.strip(), value.strip()) for name, value in rows]
    return rows + [("", "")] * (SLOTS - len(rows))


def _midnight(text, zone_name=""):
    """A date from the form as the read API's datetime: that day's midnight in the
    form's time zone (UTC when none, or when the read API will refuse the zone)."""
    try:
        day = date.fromisoformat(text)
        zone = time_zone(zone_name) if zone_name else None
    except (ValueError, UnknownTimeZone):
        return f"{text}T00:00:00Z" if len(text) == 10 else text
    if zone is None:
        return f"{text}T00:00:00Z"
    return datetime.combine(day, time(0), tzinfo=zone).isoformat()
