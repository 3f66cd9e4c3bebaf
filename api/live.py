"""From committed domain changes to console events, off the committing thread.

The change feed hands each commit's changes over at once (the event thread and the
request threads never wait for a browser); this part's thread turns them into hub
events: ``audit`` and ``alarm`` as they are, ``compartment`` as the grid cell read
afresh, ``run`` for each run the changes concern and ``opening`` as the maintenance
opening read afresh (see :mod:`api.events`). Nothing is queued while no console is
listening.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from flask import Response, stream_with_context

from locker.changes import ChangeFeed, Changes

from .events import EventHub

log = logging.getLogger(__name__)

BATCH_WAIT_S = 0.05


class LiveFeed:
    def __init__(self, *, service: Any, hub: EventHub, feed: ChangeFeed) -> None:
        self._service = service
        self._hub = hub
        self._changes: queue.Queue[Changes | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        feed.subscribe(self._committed)

    def _committed(self, changes: Changes) -> None:
        if self._hub.clients and self._thread is not None:
            self._changes.put(changes)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="locker-console-events", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._changes.put(None)
            thread.join(timeout)

    def _loop(self) -> None:
        while True:
            first = self._changes.get()
            if first is None:
                return
            batch = [first, *self._drain()]
            try:
                self._publish([c for c in batch if c is not None])
            except Exception:  # noqa: BLE001 - the console's updates must not stop for one bad batch
                log.exception("console events: publishing failed")
            if None in batch:
                return

    def _drain(self) -> list[Changes | None]:
        """Whatever else committed meanwhile, so a burst of changes reads each cell once."""
        found: list[Changes | None] = []
        try:
            found.append(self._changes.get(timeout=BATCH_WAIT_S))
            while True:
                found.append(self._changes.get_nowait())
        except queue.Empty:
            return found

    def _publish(self, batch: list[Changes]) -> None:
        labels: set[str] = set()
        alarms: dict[int, dict[str, Any]] = {}
        followed = Changes()
        for changes in batch:
            for event in changes.audit:
                self._hub.publish("audit", event)
            alarms.update(changes.alarms)
            labels |= changes.compartments
            labels |= {a["compartment"] for a in changes.alarms.values() if a["compartment"]}
            followed.rows |= changes.rows
        for alarm in alarms.values():
            self._hub.publish("alarm", alarm)
        if labels:
            for cell in self._service.cabinet_grid(sorted(labels)):
                self._hub.publish("compartment", cell)
        if followed:
            self._publish_followed(followed)

    def _publish_followed(self, changes: Changes) -> None:
        for run in self._service.runs.touched(changes):
            self._hub.publish("run", run)
        for run_id in sorted(changes.ids("check_run")):
            self._hub.publish("run", {"kind": "check", "id": run_id,
                                      "status": self._service.get_check_run(run_id)["status"]})
        for opening_id in sorted(changes.ids("opening")):
            self._hub.publish("opening", self._service.get_maintenance_opening(opening_id))


def event_stream(hub: EventHub, topics: Any = ()) -> Response:
    """``text/event-stream`` for one browser (with the opt-in ``topics`` it asked for); 503 with
    Retry-After when the hub is full."""
    sub = hub.subscribe(topics)
    if sub is None:
        response = Response('{"error": "busy", "message": "Quá nhiều trang đang theo dõi. / Too many live pages."}',
                            status=503, mimetype="application/json")
        response.headers["Retry-After"] = "10"
        return response
    response = Response(stream_with_context(hub.stream(sub)), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response
