"""An iterator's items produced by a second thread, a few ahead of the consumer.

Used where producing is Python work or a C call that lets go of the GIL
(SQLite stepping, Arrow conversion) and consuming is another (DuckDB
loading): the two overlap. The thread stops when the consumer stops,
early or on an error; an error in producing is raised in the consumer.
"""
import queue
import threading

_DONE = object()


def prefetched(items, ahead=1, name="prefetch"):
    """``items``, each produced by a second thread up to ``ahead`` before it is wanted."""
    chunks, stop = queue.Queue(maxsize=ahead), threading.Event()

    def offer(item):
        while not stop.is_set():
            try:
                return chunks.put(item, timeout=0.05)
            except queue.Full:
                continue

    def produce():
        try:
            for item in items:
                offer(item)
                if stop.is_set():
                    return
            offer(_DONE)
        except BaseException as error:  # handed to the consuming thread
            offer(error)

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while (item := chunks.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()  # the producer is done with ``items`` before the consumer goes on
