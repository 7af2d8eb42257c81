"""``backdrop demo INI``: a ``demo`` bucket with a year of realistic events to look at.

A newcomer's first run has nothing to chart; this fills a bucket with about
a year of page visits (browser, device and page keys, a ``duration``
in seconds and a ``converted`` flag), busier on weekdays and growing over
the year, and grants it to the development sign-in user. The events come
from a seeded generator, so the same day always gives the same bucket; they
end at the start of today (UTC), so "the last 12 weeks" is never empty.
"""
import random
import sys
from datetime import UTC, datetime, timedelta

from ..buckets import new_config
from ..identity import IdentityError, normalise_email
from ..records import format_datetime, prepare_batch
from ..store.errors import BucketExists
from . import add_command

NAME = "demo"
DAYS = 365
SEED = 2026
BATCH = 1000
DEVELOPMENT_USER = "you@example.com"  # the README's /_test/sign-in and test Signon address
BROWSERS = (("Chrome", 55), ("Safari", 25), ("Firefox", 12), ("Edge", 8))
DEVICES = (("desktop", 60), ("mobile", 35), ("tablet", 5))
PAGES = (("/", 40), ("/pricing", 20), ("/docs", 30), ("/signup", 10))


def register(subparsers):
    command = add_command(
        subparsers, "demo", demo,
        f"create the {NAME!r} bucket with a year of example events and grant it to a user",
    )
    command.add_argument("--email", default=DEVELOPMENT_USER,
                         help=f"who may upload to and explore it (default {DEVELOPMENT_USER})")


def _pick(rng, weighted):
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def demo_events(today, days=DAYS, seed=SEED):
    """The demo's events: the ``days`` days before ``today`` (a UTC midnight), oldest first."""
    rng = random.Random(seed)
    events = []
    for day in range(days):
        start = today - timedelta(days=days - day)
        weekday = start.weekday() < 5
        volume = int((20 if weekday else 8) * (1 + day / days) + rng.randint(0, 6))
        for _ in range(volume):
            page = _pick(rng, PAGES)
            moment = start + timedelta(seconds=rng.randrange(24 * 3600))
            events.append({
                "_timestamp": format_datetime(moment),
                "browser": _pick(rng, BROWSERS),
                "device": _pick(rng, DEVICES),
                "page": page,
                "duration": round(rng.lognormvariate(4, 0.6), 1),
                "converted": page == "/signup" and rng.random() < 0.4,
            })
    events.sort(key=lambda event: event["_timestamp"])
    return events


def create_demo(store, plugins, email, now=None):
    """Create and fill the demo bucket and grant it to ``email``; return the number of events.

    Raises ``BucketExists`` when there is one already.
    """
    config, _ = new_config(NAME, {"raw_queries_allowed": True}, plugins)
    store.create_bucket(config)
    now = now or datetime.now(UTC)
    events = demo_events(now.replace(hour=0, minute=0, second=0, microsecond=0))
    bucket_type = plugins.bucket_types[config["bucket_type"]]
    for start in range(0, len(events), BATCH):
        store.insert(NAME, prepare_batch(events[start:start + BATCH], config, bucket_type))
    user = store.get_user(email)
    buckets = list(user["buckets"]) if user else []
    store.save_user(email, buckets if NAME in buckets else [*buckets, NAME])
    return len(events)


def demo(args, env):
    try:
        email = normalise_email(args.email)
    except IdentityError as error:
        print(f"backdrop: {args.email!r}: {error}", file=sys.stderr)
        return 1
    try:
        count = create_demo(env.store, env.plugins, email)
    except BucketExists:
        print(f"backdrop: a bucket named {NAME} already exists; delete it first "
              f"(backdrop delete-bucket {args.config_uri} {NAME})", file=sys.stderr)
        return 1
    print(f"Created {NAME} with {count} events over {DAYS} days; {email} may explore it.")
    print(f"Sign in (e.g. /_test/sign-in?email={email}) and open /{NAME}/explore.")
    return 0
