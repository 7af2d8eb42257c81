"""Read query parameters (SPEC 3.2): the query string checked with colander.

``parse_params`` turns a request's ``GET`` multidict into ``ReadParams`` or
raises ``ParamError`` whose message says what is wrong. Each parameter is a
colander node with its own type; the rules that tie parameters together are
the schema's validator. Field names are checked here, once, so nothing
invalid ever reaches a store.
"""
import math
import re
from dataclasses import dataclass

import colander

from ..periods import UnknownTimeZone, time_zone
from ..query import PERIODS, UTC_NAME, Filter, PrefixFilter, SortBy
from ..records import DATE_ONLY, is_valid_key, parse_datetime

MAX_REPEAT = 10
REPEATABLE = ("filter_by", "filter_by_prefix", "group_by", "collect")
SINGLE = (
    "start_at", "end_at", "inclusive", "duration", "period",
    "sort_by", "limit", "flatten", "format", "timezone",
)
FORMATS = ("json", "csv")
FILTERABLE_INTERNAL = ("_id", "_timestamp")
SORTABLE_INTERNAL = ("_id", "_timestamp")
NUMBER = re.compile(r"\A-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
INTEGER = re.compile(r"\A[0-9]+\Z")
INTEGER_LITERAL = re.compile(r"\A-?(0|[1-9][0-9]*)\Z")
MAX_INTEGER = 2**63 - 1
# A "+" in a query string arrives as a space: "...T00:00:00 00:00".
SPACED_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)\Z")


class ParamError(ValueError):
    """A bad query string; the message is shown to the client with a 400."""


@dataclass(frozen=True)
class CollectSpec:
    """``collect=field[:method]``; ``bare`` is the form without a method (a sorted set)."""

    field: str
    method: str
    bare: bool = False

    @property
    def labels(self):
        if self.bare:
            return (self.field, f"{self.field}:set")
        return (f"{self.field}:{self.method}",)


@dataclass(frozen=True)
class ReadParams:
    start_at: object = None
    end_at: object = None
    inclusive: bool = False
    duration: int | None = None
    period: str | None = None
    filters: tuple = ()
    prefix_filters: tuple = ()
    group_by: tuple = ()
    collect: tuple = ()
    sort_by: SortBy | None = None
    limit: int | None = None
    flatten: bool = False
    format: str = "json"
    timezone: str = UTC_NAME

    @property
    def is_aggregate(self):
        return bool(self.group_by or self.period)

    @property
    def zone(self):
        """The ``ZoneInfo`` periods are local to, or None for UTC."""
        return time_zone(self.timezone)


# -- field names --------------------------------------------------------------
def check_field(node, field, internal=()):
    """Reject ``$``-prefixed and invalid keys, and internal ones not in ``internal``."""
    if not field:
        raise colander.Invalid(node, f"{node.name}: a field name is required")
    if field.startswith("$"):
        raise colander.Invalid(node, f"{node.name}: field names cannot start with $ ({field})")
    if not is_valid_key(field):
        raise colander.Invalid(node, f"{node.name}: {field} is not a valid field name")
    if field.startswith("_") and field not in internal:
        if internal:
            allowed = " and ".join(internal)
            raise colander.Invalid(
                node, f"{node.name}: internal field {field} cannot be used (only {allowed})"
            )
        raise colander.Invalid(node, f"{node.name}: internal field {field} cannot be used")


# -- parameter types ----------------------------------------------------------
class _Param(colander.SchemaType):
    """A query-string value: a string turned into something else by ``convert``."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        return self.convert(node, cstruct)

    def convert(self, node, text):  # pragma: no cover - every subclass overrides
        raise NotImplementedError


def to_datetime(text):
    """Parse a query-string datetime; ``ValueError`` if it is not ISO 8601 with an offset."""
    text = SPACED_OFFSET.sub(r"+\1", text)
    if DATE_ONLY.match(text):
        raise ValueError("a date without a time")
    return parse_datetime(text)


class DateTimeParam(_Param):
    def convert(self, node, text):
        try:
            return to_datetime(text)
        except (ValueError, OverflowError):
            raise colander.Invalid(
                node,
                f"{node.name} is not a valid datetime: use ISO 8601 with a UTC offset,"
                " e.g. 2014-01-01T00:00:00+00:00",
            ) from None


class BoolParam(_Param):
    def convert(self, node, text):
        if text not in ("true", "false"):
            raise colander.Invalid(node, f"{node.name} must be true or false")
        return text == "true"


class IntParam(_Param):
    def __init__(self, minimum):
        self.minimum = minimum

    def convert(self, node, text):
        what = "a positive integer" if self.minimum > 0 else "a non-negative integer"
        if not INTEGER.match(text) or int(text) < self.minimum:
            raise colander.Invalid(node, f"{node.name} must be {what}")
        if int(text) > MAX_INTEGER:
            raise colander.Invalid(node, f"{node.name} is too large (at most {MAX_INTEGER})")
        return int(text)


class ChoiceParam(_Param):
    def __init__(self, choices):
        self.choices = choices

    def convert(self, node, text):
        if text not in self.choices:
            raise colander.Invalid(node, f"{node.name} must be one of {', '.join(self.choices)}")
        return text


def _split(node, text, what):
    field, colon, rest = text.partition(":")
    if not colon:
        raise colander.Invalid(node, f"{node.name} must be {what}")
    return field, rest


def filter_values(field, value):
    """Every stored value ``filter_by=field:value`` matches: the string, and the
    boolean or number it spells."""
    if field == "_timestamp":
        return (to_datetime(value),)
    candidates = [value]
    if field == "_id":
        return tuple(candidates)
    if value in ("true", "false"):
        candidates.append(value == "true")
    elif INTEGER_LITERAL.match(value) and -(2**63) <= int(value) < 2**63:
        candidates.append(int(value))  # exact, even past the 2**53 a float holds
    elif NUMBER.match(value):
        number = float(value)
        if number.is_integer() and abs(number) < 2**63:
            candidates.append(int(number))
        elif math.isfinite(number):
            candidates.append(number)
    return tuple(candidates)


class FilterParam(_Param):
    def convert(self, node, text):
        field, value = _split(node, text, "field:value")
        check_field(node, field, FILTERABLE_INTERNAL)
        try:
            return Filter(field, filter_values(field, value))
        except (ValueError, OverflowError):
            raise colander.Invalid(
                node, f"{node.name}: _timestamp must be an ISO 8601 datetime with a UTC offset"
            ) from None


class PrefixParam(_Param):
    def convert(self, node, text):
        field, prefix = _split(node, text, "field:prefix")
        check_field(node, field, ("_id",))
        return PrefixFilter(field, prefix)


class GroupParam(_Param):
    def convert(self, node, text):
        check_field(node, text)
        return text


class CollectParam(_Param):
    def convert(self, node, text):
        field, colon, method = text.partition(":")
        check_field(node, field)
        if colon and not method:
            raise colander.Invalid(node, "collect must be field or field:method")
        collectors = node.bindings["collectors"] if node.bindings else {}
        if colon and method not in collectors:
            known = ", ".join(sorted(collectors))
            raise colander.Invalid(
                node, f"collect: {method} is not a known collect method (use one of {known})"
            )
        return CollectSpec(field, method or "set", bare=not colon)


class TimeZoneParam(_Param):
    def convert(self, node, text):
        try:
            time_zone(text)
        except UnknownTimeZone as error:
            raise colander.Invalid(node, str(error)) from None
        return text


class SortParam(_Param):
    def convert(self, node, text):
        field, colon, direction = text.rpartition(":")
        if not colon or not field:
            raise colander.Invalid(node, "sort_by must be field:ascending or field:descending")
        if direction not in ("ascending", "descending"):
            raise colander.Invalid(
                node, f"sort_by direction must be ascending or descending, not {direction!r}"
            )
        if field.startswith("$"):
            raise colander.Invalid(node, f"sort_by: field names cannot start with $ ({field})")
        return SortBy(field, direction == "descending")


def _repeated(param_type, name):
    return colander.SequenceSchema(
        colander.SchemaNode(param_type, name=name),
        name=name,
        missing=(),
        validator=colander.Length(
            max=MAX_REPEAT, max_err=f"{name} may be given at most {MAX_REPEAT} times"
        ),
    )


# -- rules between parameters -------------------------------------------------
def check_combination(node, p):
    """The rules of SPEC 3.2 that involve more than one parameter."""

    def fail(message):
        raise colander.Invalid(node, message)

    def has(name):
        return p[name] is not colander.null

    if has("start_at") and has("end_at") and has("duration"):
        fail("start_at, end_at and duration cannot all be given together")
    if has("duration") and not has("period"):
        fail("duration requires a period")
    if has("start_at") and not (has("end_at") or has("duration")):
        fail("start_at requires end_at or duration")
    if has("end_at") and not (has("start_at") or has("duration")):
        fail("end_at requires start_at or duration")
    if has("start_at") and has("end_at") and p["end_at"] < p["start_at"]:
        fail("end_at must not be before start_at")
    if has("period") and not (has("duration") or (has("start_at") and has("end_at"))):
        fail("period requires either duration or both start_at and end_at")
    group_by = p["group_by"]
    if len(set(group_by)) != len(group_by):
        fail("group_by: each field may be given only once")
    if has("period") and not group_by:
        if has("limit"):
            fail("limit is not allowed on a period query without group_by")
        if has("sort_by"):
            fail("sort_by is not allowed on a period query without group_by")
    if p["collect"] and not (group_by or has("period")):
        fail("collect requires group_by or period")
    for spec in p["collect"]:
        if spec.field in group_by:
            fail(f"collect: cannot collect the group_by field {spec.field}")
    if has("sort_by"):
        check_sort_field(node, p["sort_by"].field, group_by, p["collect"], has("period"))


def check_sort_field(node, field, group_by, collect, has_period):
    if group_by or has_period:
        labels = {label for spec in collect for label in spec.labels}
        if field != "_count" and field not in group_by and field not in labels:
            raise colander.Invalid(
                node,
                f"sort_by: {field} is not a group_by field, _count or a collected value",
            )
        return
    if field == "_count":
        raise colander.Invalid(node, "sort_by: _count is only available when grouping")
    try:
        check_field(node, field, SORTABLE_INTERNAL)
    except colander.Invalid:
        message = f"sort_by: {field} is not a field that can be sorted"
        raise colander.Invalid(node, message) from None


class ReadSchema(colander.MappingSchema):
    start_at = colander.SchemaNode(DateTimeParam(), missing=colander.null)
    end_at = colander.SchemaNode(DateTimeParam(), missing=colander.null)
    inclusive = colander.SchemaNode(BoolParam(), missing=False)
    duration = colander.SchemaNode(IntParam(minimum=1), missing=colander.null)
    period = colander.SchemaNode(ChoiceParam(PERIODS), missing=colander.null)
    filter_by = _repeated(FilterParam(), "filter_by")
    filter_by_prefix = _repeated(PrefixParam(), "filter_by_prefix")
    group_by = _repeated(GroupParam(), "group_by")
    collect = _repeated(CollectParam(), "collect")
    sort_by = colander.SchemaNode(SortParam(), missing=colander.null)
    limit = colander.SchemaNode(IntParam(minimum=0), missing=colander.null)
    flatten = colander.SchemaNode(BoolParam(), missing=False)
    format = colander.SchemaNode(ChoiceParam(FORMATS), missing="json")
    timezone = colander.SchemaNode(TimeZoneParam(), missing=UTC_NAME)

    validator = staticmethod(check_combination)


def _first_message(invalid):
    """The message of the first error colander found (messages name their parameter)."""
    for error in _walk(invalid):
        if error.msg:
            return str(error.msg)
    return "invalid query parameters"  # pragma: no cover


def _walk(invalid):
    yield invalid
    for child in invalid.children:
        yield from _walk(child)


_BOUND = {}


def _bound_schema(collectors):
    """The schema bound to an app's collectors, built once per app, not per request."""
    cached = _BOUND.get(id(collectors))
    if cached is None or cached[0] is not collectors:
        if len(_BOUND) > 32:  # apps come and go in tests; keep only recent ones
            _BOUND.clear()
        cached = _BOUND[id(collectors)] = (collectors, ReadSchema().bind(collectors=collectors))
    return cached[1]


def parse_params(multidict, collectors):
    """Validate a query string and return ``ReadParams``.

    ``collectors`` is the registry of collect methods by name.
    """
    names = set(multidict.keys())
    if names - set(REPEATABLE) - set(SINGLE):
        raise ParamError("An unrecognised parameter was provided")
    cstruct = {}
    for name in names:
        values = multidict.getall(name)
        if name in REPEATABLE:
            if len(values) > MAX_REPEAT:
                raise ParamError(f"{name} may be given at most {MAX_REPEAT} times")
            cstruct[name] = values
        elif len(values) > 1:
            raise ParamError(f"{name} may be given only once")
        else:
            cstruct[name] = values[0]
    schema = _bound_schema(collectors)
    try:
        found = schema.deserialize(cstruct)
    except colander.Invalid as invalid:
        raise ParamError(_first_message(invalid)) from None
    return ReadParams(
        start_at=_value(found["start_at"]),
        end_at=_value(found["end_at"]),
        inclusive=found["inclusive"],
        duration=_value(found["duration"]),
        period=_value(found["period"]),
        filters=tuple(found["filter_by"]),
        prefix_filters=tuple(found["filter_by_prefix"]),
        group_by=tuple(found["group_by"]),
        collect=tuple(dict.fromkeys(found["collect"])),
        sort_by=_value(found["sort_by"]),
        limit=_value(found["limit"]),
        flatten=found["flatten"],
        format=found["format"],
        timezone=found["timezone"],
    )


def _value(found):
    return None if found is colander.null else found
