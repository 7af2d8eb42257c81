"""The benchmarked reads: each as Backdrop HTTP parameters and as the equivalent SQL.

The SQL mirrors what ``backdrop/store/sqlite.py`` issues for the same query
(same WHERE, GROUP BY, ORDER BY and LIMIT) on the same table, selecting only
what answers the question. ``answer_http``/``answer_sql`` reduce both results
to the same comparable value so a run also checks that Backdrop is right.
"""
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from dataset import AUTHORITIES, TYPES


def _micros(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()) * 1_000_000


# Windows inside the two years of data (all Mondays, midnight UTC).
WEEKS_52 = ("2023-07-03T00:00:00Z", "2024-07-01T00:00:00Z")
WEEKS_13 = ("2024-01-01T00:00:00Z", "2024-04-01T00:00:00Z")
ONE_WEEK = ("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z")
DAY = 86_400_000_000
WEEK = 7 * DAY
AUTHORITY = AUTHORITIES[7]
TYPE = TYPES[1]


@dataclass(frozen=True)
class BenchQuery:
    name: str
    params: list  # (name, value) pairs for the query string
    sql: str  # with {t} and {<key>} placeholders for the table and key columns
    args: tuple
    answer_http: Callable
    answer_sql: Callable
    duck_sql: str  # DuckDB's own engine over a plain ``events`` table of the same rows
    step_micros: int | None = None  # period queries: also timed as one statement per period
    aggregate: bool = True  # held to the DuckDB limit; raw reads to an absolute bound

    def path(self, bucket):
        return f"/{bucket}?{urlencode(self.params)}"

    def statement(self, table, columns):
        return self.sql.format(t=table, **columns)

    def forms(self, table, columns):
        """Each way to ask SQLite this question: ``[(statement, args), ...]`` per form.

        A period query is also asked one period at a time (its first two
        arguments being the window), as the store does: the engine's limit is
        the faster of the two.
        """
        statement = self.statement(table, columns)
        forms = [[(statement, self.args)]]
        if self.step_micros:
            start, end, *rest = self.args
            forms.append([
                (statement, (low, min(low + self.step_micros, end), *rest))
                for low in range(start, end, self.step_micros)
            ])
        return forms


def _period_counts(data):
    return [(row["_start_at"], row["_count"]) for row in data if row["_count"]]


def _sql_period_counts(rows):
    return [(datetime.fromtimestamp(start / 1e6, UTC).isoformat(), count) for start, count in rows]


QUERIES = (
    BenchQuery(
        name="weekly counts, 52 weeks",
        params=[("period", "week"), ("start_at", WEEKS_52[0]), ("end_at", WEEKS_52[1])],
        sql="SELECT week, COUNT(*) FROM {t} WHERE ts >= ? AND ts < ? AND week IS NOT NULL"
            " GROUP BY week ORDER BY week",
        args=(_micros(WEEKS_52[0]), _micros(WEEKS_52[1])),
        answer_http=_period_counts,
        answer_sql=_sql_period_counts,
        duck_sql="SELECT week, COUNT(*) FROM events WHERE ts >= ? AND ts < ?"
                 " GROUP BY week ORDER BY week",
        step_micros=WEEK,
    ),
    BenchQuery(
        name="weekly by authority, value:sum",
        params=[("period", "week"), ("group_by", "authority"), ("collect", "value:sum"),
                ("start_at", WEEKS_52[0]), ("end_at", WEEKS_52[1])],
        sql="SELECT {authority}, week, COUNT(*), SUM({value}) FROM {t}"
            " WHERE ts >= ? AND ts < ? AND {authority} IS NOT NULL AND week IS NOT NULL"
            " GROUP BY {authority}, week ORDER BY {authority}, week",
        args=(_micros(WEEKS_52[0]), _micros(WEEKS_52[1])),
        answer_http=lambda data: [(g["authority"], g["_count"], g["value:sum"]) for g in data],
        answer_sql=lambda rows: _sum_by_first(rows),
        duck_sql="SELECT authority, week, COUNT(*), SUM(value) FROM events"
                 " WHERE ts >= ? AND ts < ? AND authority IS NOT NULL"
                 " GROUP BY authority, week ORDER BY authority, week",
        step_micros=WEEK,
    ),
    BenchQuery(
        name="top 10 licence names",
        params=[("group_by", "licence_name"), ("sort_by", "_count:descending"), ("limit", "10")],
        sql="SELECT {licence_name}, COUNT(*) FROM {t} WHERE {licence_name} IS NOT NULL"
            " GROUP BY {licence_name} ORDER BY COUNT(*) DESC, {licence_name} LIMIT 10",
        args=(),
        answer_http=lambda data: [(g["licence_name"], g["_count"]) for g in data],
        answer_sql=lambda rows: [tuple(row) for row in rows],
        duck_sql="SELECT licence_name, COUNT(*) FROM events WHERE licence_name IS NOT NULL"
                 " GROUP BY licence_name ORDER BY COUNT(*) DESC, licence_name LIMIT 10",
    ),
    BenchQuery(
        name="daily counts, 1 authority, 13 weeks",
        params=[("period", "day"), ("filter_by", f"authority:{AUTHORITY}"),
                ("start_at", WEEKS_13[0]), ("end_at", WEEKS_13[1])],
        sql="SELECT day, COUNT(*) FROM {t} WHERE ts >= ? AND ts < ? AND {authority} IN (?)"
            " AND day IS NOT NULL GROUP BY day ORDER BY day",
        args=(_micros(WEEKS_13[0]), _micros(WEEKS_13[1]), AUTHORITY),
        answer_http=_period_counts,
        answer_sql=_sql_period_counts,
        duck_sql="SELECT day, COUNT(*) FROM events WHERE ts >= ? AND ts < ? AND authority = ?"
                 " GROUP BY day ORDER BY day",
        step_micros=DAY,
    ),
    BenchQuery(
        name="100 raw records, 1 type, 1 week",
        params=[("filter_by", f"type:{TYPE}"), ("start_at", ONE_WEEK[0]),
                ("end_at", ONE_WEEK[1]), ("limit", "100")],
        sql="SELECT data, ts FROM {t} WHERE ts >= ? AND ts < ? AND {type} IN (?)"
            " ORDER BY ts, seq LIMIT 100",
        args=(_micros(ONE_WEEK[0]), _micros(ONE_WEEK[1]), TYPE),
        answer_http=lambda data: [record["_id"] for record in data],
        answer_sql=lambda rows: [json.loads(row[0])["_id"] for row in rows],
        duck_sql="SELECT id FROM events WHERE ts >= ? AND ts < ? AND type = ?"
                 " ORDER BY ts, seq LIMIT 100",
        aggregate=False,
    ),
)


def answer_duck(query, rows):
    """DuckDB's rows in the shape ``answer_sql`` gives for SQLite's."""
    if not query.aggregate:
        return [row[0] for row in rows]
    return query.answer_sql([tuple(int(v) if isinstance(v, int) else v for v in row)
                             for row in rows])


def _sum_by_first(rows):
    totals = {}
    for key, _week, count, total in rows:
        count_so_far, sum_so_far = totals.get(key, (0, 0))
        totals[key] = (count_so_far + count, sum_so_far + total)
    return [(key, count, total) for key, (count, total) in sorted(totals.items())]
