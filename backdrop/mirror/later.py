"""Catch-ups after a merged answer, in one thread of the mirror's own.

A read answered from the mirror plus the rows appended since
(``appended``) leaves the mirror behind; the next read should not pay for
applying those rows. One worker thread applies them while the process has
nothing else to do (a writer is usually busy with its next request), one
bucket at a time; a bucket already waiting is not queued twice.
"""
import threading
from concurrent.futures import ThreadPoolExecutor


class LaterCatchUps:
    def __init__(self, catch_up):
        self._catch_up = catch_up  # catch_up(bucket): must not raise
        self._lock = threading.Lock()
        self._waiting = set()
        self._worker = None

    def catch_up(self, bucket):
        """Have ``bucket`` caught up soon (at once if the worker is free)."""
        with self._lock:
            if bucket in self._waiting:
                return
            if self._worker is None:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="mirror-catch-up")
            self._waiting.add(bucket)
            self._worker.submit(self._run, bucket)

    def _run(self, bucket):
        with self._lock:  # a write after this point queues the bucket again
            self._waiting.discard(bucket)
        self._catch_up(bucket)

    def wait(self):
        """Until every catch-up asked for so far is done (for tests and for ``stop``)."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.submit(lambda: None).result()

    def stop(self):
        """Finish what is queued and let the thread go (a later ``catch_up`` starts another)."""
        with self._lock:
            worker, self._worker = self._worker, None
            self._waiting.clear()
        if worker is not None:
            worker.shutdown(wait=True)
