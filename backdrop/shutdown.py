"""Graceful shutdown: waitress behind a ``SIGTERM`` handler that drains before it stops.

The ini files serve with ``[server:main] use = call:backdrop.shutdown:server_factory``
(waitress's own options, unchanged). On ``SIGTERM`` the server stops accepting
connections at once, lets the requests it has already begun finish (at most
``backdrop.shutdown_grace_seconds``), then stops and closes the store. A
batch is one transaction: one that finishes in time is stored and
acknowledged; when the grace period ends with one still running, the process
exits at once (status 3), so its transaction never commits and none of it is
stored.
"""
import logging
import os
import signal
import threading
import time

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

log = logging.getLogger(__name__)
POLL_SECONDS = 0.05
EXIT_UNFINISHED = 3  # the exit status when the grace period ended with requests running


def server_factory(global_conf, **server_settings):
    """A PasteDeploy server: ``serve(app)`` with ``server_settings`` passed to waitress.

    ``BACKDROP_LISTEN`` (``host:port``, or several separated by spaces)
    overrides the ini's ``listen``, so one ini can start several processes:
    ``BACKDROP_LISTEN=127.0.0.1:3041 pserve ini/write.ini`` is a second writer.
    """
    listen = os.environ.get("BACKDROP_LISTEN", "").strip()
    if listen:
        server_settings = {key: value for key, value in server_settings.items()
                           if key not in ("listen", "host", "port")}
        server_settings["listen"] = listen

    def serve(app):
        settings = getattr(getattr(app, "registry", None), "settings", None) or {}
        grace = float(settings.get("backdrop.shutdown_grace_seconds", 30))
        server = create_server(app, **server_settings)
        drain = Drain(server, grace)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, drain.begin)
        server.print_listen("Serving on http://{}:{}")
        server.run()  # returns after a drain; ends on KeyboardInterrupt (Ctrl-C) too
        server.task_dispatcher.shutdown(timeout=1)
        drain.finish(getattr(app, "registry", None))

    return serve


class Drain:
    """What ``SIGTERM`` sets going: stop accepting, wait for in-flight requests, stop."""

    def __init__(self, server, grace):
        self.server = server
        self.grace = grace
        self.map = getattr(server, "map", None) or server._map
        self.started = None

    # -- in the signal handler (main thread): hand everything to a thread --------
    def begin(self, signum=None, frame=None):
        if self.started is not None:
            return
        self.started = time.monotonic()
        threading.Thread(target=self._run, name="backdrop-shutdown", daemon=True).start()

    def _run(self):
        listeners = self._listeners()
        trigger = listeners[0].trigger
        # The main loop owns the sockets: everything that touches them runs there,
        # as a thunk of waitress's trigger (which also wakes the loop from select()).
        closed = threading.Event()
        trigger.pull_trigger(lambda: (_close(listeners), closed.set()))
        closed.wait(self.grace)
        log.info("SIGTERM: no new connections; up to %ss for requests in flight", self.grace)
        deadline = self.started + self.grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        if not self._busy():
            log.info("every request in flight finished; stopping")
            # With every channel and the trigger closed the loop has nothing left and returns.
            trigger.pull_trigger(lambda: wasyncore.close_all(self.map))
            return
        # Stop now, before a running batch can commit unacknowledged: its
        # transaction is abandoned with the process and SQLite rolls it back.
        log.warning(
            "grace period of %ss over with requests still running: exiting;"
            " their writes are not stored", self.grace
        )
        os._exit(EXIT_UNFINISHED)

    def _listeners(self):
        return [each for each in list(self.map.values()) if isinstance(each, BaseWSGIServer)]

    def _busy(self):
        dispatcher = self.server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return True
        return any(_channel_busy(each) for each in list(self.map.values()) if isinstance(each, HTTPChannel))

    # -- back in the main thread, after the loop ---------------------------------
    def finish(self, registry):
        if registry is None or self._busy():
            return  # a request may still hold a store connection: the process end takes it
        store = registry.get("backdrop.store")
        engine = registry.get("backdrop.read_engine")
        if engine is not None and engine is not store:
            engine.close()  # the read role's columnar mirror
        if store is not None:
            store.close()
            log.info("store closed")


def _close(listeners):
    for listener in listeners:
        wasyncore.dispatcher.close(listener)  # the socket only, not the shared trigger


def _channel_busy(channel):
    """A request being received, queued, answered, or a response still being sent."""
    return bool(channel.requests or getattr(channel, "request", None) or channel.total_outbufs_len)
