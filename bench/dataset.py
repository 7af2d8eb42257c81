"""The benchmark's events: the same records for the same count and seed, every run.

Timestamps advance through two years (with jitter inside each step), so the
data arrives in roughly time order, as real events do. Licence names follow a
Zipf-like spread so that "top 10 by count" has a real answer.
"""
import itertools
import random
from datetime import UTC, datetime, timedelta

SEED = 20240101
START = datetime(2023, 1, 2, tzinfo=UTC)  # a Monday
SPAN = timedelta(days=730)

AUTHORITIES = tuple(f"authority-{i:02d}" for i in range(50))
LICENCES = tuple(f"licence-{i:03d}" for i in range(200))
TYPES = ("application", "renewal", "variation", "transfer", "surrender")
_LICENCE_WEIGHTS = tuple(itertools.accumulate(1 / (rank + 1) for rank in range(len(LICENCES))))


def records(count, seed=SEED):
    """Yield ``count`` event records, deterministically."""
    rng = random.Random(seed)
    step = SPAN.total_seconds() / count
    start = START.timestamp()
    for index in range(count):
        moment = start + index * step + rng.random() * step
        yield {
            "_timestamp": datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "authority": rng.choice(AUTHORITIES),
            "licence_name": rng.choices(LICENCES, cum_weights=_LICENCE_WEIGHTS)[0],
            "type": rng.choice(TYPES),
            "value": rng.randrange(0, 10_000),
            "paid": rng.random() < 0.5,
        }


def batches(count, size, seed=SEED):
    """``records(count)`` in lists of at most ``size``."""
    iterator = records(count, seed)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
