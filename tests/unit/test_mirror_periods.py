"""The mirror's vectorised period starts agree with ``backdrop.periods`` everywhere."""
import random

import pyarrow as pa

from backdrop.mirror.engine import _period_starts
from backdrop.periods import EPOCH, epoch_micros, period_starts_micros
from backdrop.query import PERIODS

FIRST = -62135596800 * 10**6  # 0001-01-01
LAST = 253402300799 * 10**6  # 9999-12-31T23:59:59


def test_period_starts_agree_with_the_stores():
    rng = random.Random(7)
    moments = [rng.randint(FIRST, LAST) for _ in range(20_000)]
    moments += [0, -1, 1, FIRST, LAST, epoch_micros(EPOCH), 86_400_000_000 - 1]
    # Around each edge: ends of months, leap days, Sundays into Mondays.
    for year in (1900, 1999, 2000, 2024, 2100):
        for day in range(-3, 4):
            base = (year - 1970) * 365 * 86_400_000_000
            moments += [base + day * 86_400_000_000 + delta for delta in (-1, 0, 1)]
    columns = _period_starts(pa.array(moments, pa.int64()))
    got = list(zip(*(columns[name].to_pylist() for name in PERIODS), strict=True))
    assert got == [period_starts_micros(moment) for moment in moments]


def test_a_missing_timestamp_has_no_periods():
    columns = _period_starts(pa.array([None, 0], pa.int64()))
    assert [columns[name][0].as_py() for name in PERIODS] == [None] * 6
