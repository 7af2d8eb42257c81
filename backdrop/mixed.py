"""The rules for values of mixed types, shared by every read engine.

A record key may hold integers, floats, strings and booleans across records.
Numbers compare as numbers, so an integer and an equal float are one value;
where an engine would otherwise answer with whichever of the two it met
first (a group's label, a set's member, a tied minimum), the answer is the
integer. Booleans are never numbers. An answer never shows ``-0.0``: it
equals ``0.0``, and which of the two an engine met first is chance, so a
zero float in a label, a minimum, a maximum, a set, a sum, a mean or a
percentile is ``0.0`` (``unsigned``). Every engine reduces its partial
results through these functions, so they answer alike.
"""
from .query import value_order

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def unsigned(value):
    """``value`` with ``-0.0`` as ``0.0``: ``x + 0.0`` is ``x`` for every other float.

    Only floats: an integer or a boolean stays what it is. Engines call this
    where a value is formed (once a group and collect), not over whole answers.
    """
    return value + 0.0 if type(value) is float else value


def number_label(value, has_int):
    """A group's label for the number ``value``: the integer when a member was one."""
    if isinstance(value, float):
        return int(value) if has_int else value + 0.0
    if not has_int and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def combine_sum(int_sum, float_sum):
    """The sum of a group from its exact integer part and its float part (None: no values).

    Integers alone stay an integer while it fits in 64 bits, and become a
    float past that, as MongoDB's ``$sum`` does.
    """
    if float_sum is None:
        if int_sum is None:
            return None
        return int_sum if INT64_MIN <= int_sum <= INT64_MAX else float(int_sum)
    return float(int_sum or 0) + float_sum  # 0.0 + -0.0 is 0.0: never -0.0


def combine_mean(int_sum, float_sum, count):
    if not count:
        return None
    # A quotient may underflow to -0.0 (-5e-324 / 3): ``+ 0.0`` shows it as 0.0.
    return (float(int_sum or 0) + (float_sum or 0.0)) / count + 0.0


def _tie(value):
    """1 for an integer, 0 for a float: an equal integer wins a tie."""
    return 0 if isinstance(value, float) else 1


def lowest(values):
    """The smallest of mixed values in the one value order (None when there are none)."""
    present = [value for value in values if value is not None]
    if not present:
        return None
    return unsigned(min(present, key=lambda value: (value_order(value), -_tie(value))))


def highest(values):
    present = [value for value in values if value is not None]
    if not present:
        return None
    return unsigned(max(present, key=lambda value: (value_order(value), _tie(value))))


def distinct_sorted(values):
    """Distinct values in the one value order; an integer stands for an equal float, 0.0 for -0.0."""
    ints, others = {}, []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            ints[value] = value
        else:
            others.append(value)
    seen = {}
    for value in others:
        if isinstance(value, float):
            if value in ints:
                continue
            value += 0.0
        seen.setdefault((type(value), value), value)
    return sorted([*ints.values(), *seen.values()], key=value_order)
