"""Run a validated read against the store and shape the answer (SPEC 3.3, 3.4).

Counting, summing and grouping happen in the store (``store.raw``,
``store.aggregate``, ``store.time_bounds``). Python only slides relative
windows, fills empty periods, and for period + group_by queries folds each
group's per-period rows into its window totals (``totals``) and sorts and
limits the groups: work bounded by the size of the answer.
"""
from ..query import PERCENTILES, Collect, Query, SortBy
from . import shaping
from .totals import helper_collects, unfoldable, window_totals
from .windows import period_window, plain_window


class Reader:
    """One read of one bucket: ``rows()`` is the ``data`` of the response."""

    def __init__(self, store, bucket, params, collectors, now):
        self.store = store
        self.bucket = bucket
        self.params = params
        self.now = now
        self.collects = tuple(
            Collect(spec.field, collectors[spec.method].primitive) for spec in params.collect
        )
        self.collected = shaping.Collected(params.collect, self.collects, collectors)

    def query(self, window, **fields):
        return Query(
            start_at=window.start,
            end_at=window.end,
            end_inclusive=window.end_inclusive,
            filters=self.params.filters,
            prefix_filters=self.params.prefix_filters,
            timezone=self.params.timezone,
            **fields,
        )

    @property
    def is_raw(self):
        """A read of records themselves, not of groups or periods."""
        return not (self.params.period or self.params.group_by)

    def raw_query(self):
        return self.query(plain_window(self.params), sort_by=self.params.sort_by,
                          limit=self.params.limit)

    def raw_texts(self):
        """The JSON text of each record of a raw read (``is_raw``), as the store writes it."""
        return self.store.raw_json(self.bucket, self.raw_query())

    def rows(self):
        params = self.params
        if params.period:
            return self.period_rows()
        if not params.group_by:
            return shaping.raw_rows(self.store.raw(self.bucket, self.raw_query()))
        window = plain_window(params)
        store_sort = self.store_sort()
        in_store = store_sort is not None or params.sort_by is None
        query = self.query(
            window,
            group_by=params.group_by,
            collect=tuple(dict.fromkeys(self.collects)),
            sort_by=store_sort,
            limit=params.limit if in_store else None,
        )
        groups = self.store.aggregate(self.bucket, query)
        rows = shaping.group_rows(groups, params.group_by, self.collected)
        if in_store:
            return rows
        rows = shaping.sort_rows(rows, params.sort_by)
        return rows if params.limit is None else rows[: params.limit]

    def store_sort(self):
        """``sort_by`` as the store knows it, or None if only Python can sort by it.

        A collected label becomes ``field:primitive``; a plugin collector that
        ``finish``es the store's value (its name is not its primitive) is
        sorted in Python, after finishing; so are percentiles, which the
        MongoDB store computes in a pipeline of their own.
        """
        sort_by = self.params.sort_by
        if sort_by is None:
            return None
        for spec, collect in zip(self.params.collect, self.collects, strict=True):
            if sort_by.field in spec.labels:
                if spec.method != collect.primitive or collect.primitive in PERCENTILES:
                    return None
                return SortBy(collect.label, sort_by.descending)
        return sort_by

    def bounds(self, start, end, end_inclusive):
        query = Query(
            start_at=start, end_at=end, end_inclusive=end_inclusive,
            filters=self.params.filters, prefix_filters=self.params.prefix_filters,
        )
        return self.store.time_bounds(self.bucket, query)

    def period_rows(self):
        params = self.params
        window = period_window(params, self.now, self.bounds)
        if not window.periods:
            return []
        collect = tuple(dict.fromkeys(self.collects))
        if params.group_by:
            collect = helper_collects(collect)
        by_period = self.store.aggregate(
            self.bucket,
            self.query(window, group_by=params.group_by, period=params.period, collect=collect),
        )
        if not params.group_by:
            return shaping.period_rows(
                by_period, window.periods, params.period, self.collected, params.zone)
        whole_window = ()
        if unfoldable(collect):
            whole_window = self.store.aggregate(
                self.bucket,
                self.query(window, group_by=params.group_by, collect=unfoldable(collect)),
            )
        totals = window_totals(by_period, collect, whole_window)
        rows = shaping.period_group_rows(
            totals, by_period, window.periods, params.period, params.group_by, self.collected,
            params.zone,
        )
        rows = shaping.sort_rows(rows, params.sort_by)
        if params.limit is not None:
            rows = rows[: params.limit]
        if params.flatten or params.format == "csv":
            rows = shaping.flatten(rows, params.group_by)
        return rows
