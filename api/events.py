"""Live events for the operators' console: a small publish/subscribe hub and the
server-sent-event stream each signed-in browser reads.

Any part of the service publishes with ``hub.publish(type, data)``; the runtime feeds
the hub from the domain's committed changes (:class:`locker.changes.ChangeFeed`):
``audit`` (every audit event), ``alarm`` (an alarm raised, folded, acknowledged or
resolved), ``compartment`` (a grid cell that changed), ``run`` (``{"kind", "id",
"status"}`` of a loading batch, a collection or retrieval run, or a weekly check
(``kind`` ``load``, ``collection``, ``retrieval``, ``check``) that changed, or whose
door moved: its page reads it afresh) and ``opening`` (a maintenance opening as
``service.get_maintenance_opening`` answers). The type ``hardware`` (the technician's
report, see :mod:`api.live_hardware`) goes only to streams that asked for it
(:data:`ON_REQUEST`). Pages listen with ``EventSource("/console/events/stream")``, and
``?topic=hardware`` for the opt-in types; every stream starts with ``hello``.

A stream holds one waitress thread, so the hub admits at most ``max_clients`` at once
(503 beyond), sends a comment as heartbeat every ``heartbeat_s`` (which is how a
vanished browser is noticed), and ends a stream after ``lifetime_s``: the browser's
EventSource reconnects by itself. A client that does not keep up (its queue is full)
is dropped; it reconnects and reloads.

>>> hub = EventHub(max_clients=1)
>>> sub = hub.subscribe()
>>> hub.subscribe() is None
True
>>> hub.publish("alarm", {"id": 1})
>>> sub.next(timeout=0)
('alarm', {'id': 1})
>>> hub.listening("hardware"), hub.listening("alarm")
(False, True)
>>> sub.close(); hub.clients
0
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any, Iterator

log = logging.getLogger(__name__)

MAX_CLIENTS = 8
QUEUE_SIZE = 500
HEARTBEAT_S = 15.0
LIFETIME_S = 300.0
RETRY_MS = 3000
#: Event types sent only to the streams that asked for them: they come often and one page needs them.
ON_REQUEST = frozenset({"hardware"})


class Subscription:
    def __init__(self, hub: "EventHub", topics: frozenset[str]) -> None:
        self._hub = hub
        self.topics = topics
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self.dropped = False

    def offer(self, item: tuple[str, Any] | None) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped = True

    def next(self, timeout: float) -> tuple[str, Any] | None:
        """The next event, or None after ``timeout`` seconds (or when the hub closed)."""
        try:
            return self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return None

    def close(self) -> None:
        self._hub.unsubscribe(self)


class EventHub:
    def __init__(self, *, max_clients: int = MAX_CLIENTS, heartbeat_s: float = HEARTBEAT_S,
                 lifetime_s: float = LIFETIME_S, newest_wins: bool = False) -> None:
        self.max_clients = max_clients
        #: When full, a new subscriber ends the oldest stream instead of being refused (a kiosk
        #: screen reloaded before its old stream was noticed gone).
        self.newest_wins = newest_wins
        self.heartbeat_s = heartbeat_s
        self.lifetime_s = lifetime_s
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._closed = False

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._subs)

    def subscribe(self, topics: Any = ()) -> Subscription | None:
        """A new subscription (with the :data:`ON_REQUEST` types among ``topics``), or None when
        ``max_clients`` streams are open (or the hub closed); with ``newest_wins`` the oldest
        stream ends instead.

        >>> hub = EventHub(max_clients=1, newest_wins=True)
        >>> old = hub.subscribe(); new = hub.subscribe()
        >>> old.dropped, new.dropped, hub.clients
        (True, False, 1)
        """
        with self._lock:
            if self._closed:
                return None
            if len(self._subs) >= self.max_clients:
                if not self.newest_wins:
                    return None
                oldest = self._subs.pop(0)
                oldest.dropped = True
                oldest.offer(None)  # wakes its stream, which then ends
            sub = Subscription(self, ON_REQUEST.intersection(topics))
            self._subs.append(sub)
            return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def listening(self, event_type: str) -> bool:
        """Whether some stream would receive ``event_type`` now."""
        with self._lock:
            return any(event_type not in ON_REQUEST or event_type in sub.topics for sub in self._subs)

    def publish(self, event_type: str, data: Any) -> None:
        """Never blocks: a subscriber whose queue is full is dropped instead."""
        with self._lock:
            subs = [sub for sub in self._subs if event_type not in ON_REQUEST or event_type in sub.topics]
        for sub in subs:
            sub.offer((event_type, data))
            if sub.dropped:
                log.warning("console stream too slow; dropping it (the browser reconnects)")
                self.unsubscribe(sub)

    def close(self) -> None:
        """End every stream (at shutdown)."""
        with self._lock:
            self._closed, subs, self._subs = True, self._subs, []
        for sub in subs:
            sub.offer(None)

    def stream(self, sub: Subscription) -> Iterator[str]:
        """The text/event-stream body for one subscription; ends after ``lifetime_s``."""
        deadline = time.monotonic() + self.lifetime_s
        try:
            yield f"retry: {RETRY_MS}\nevent: hello\ndata: {{}}\n\n"
            while not sub.dropped:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                item = sub.next(timeout=min(self.heartbeat_s, left))
                if item is None:
                    if self._closed:
                        return
                    yield ": heartbeat\n\n"
                    continue
                event_type, data = item
                yield f"event: {event_type}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
        finally:
            sub.close()
