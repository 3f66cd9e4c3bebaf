/* The technician's hardware page, live: boards, buses and GPIO follow the "hardware" events
 * of the console's stream (this page asks for them; the service sends the report when it
 * changed), and hardware.json is read at each (re)connection (see live.js). */
"use strict";

(function () {
  function yesNo(value) {
    const found = document.getElementById("maintenance-words");
    const w = found ? JSON.parse(found.textContent) : {};
    return value === true ? (w.yes || "yes") : value === false ? (w.no || "no") : "—";
  }

  function setField(row, name, text) {
    const cell = row && row.querySelector(`[data-field="${name}"]`);
    if (cell && cell.textContent !== text) cell.textContent = text;
  }

  function showBoards(root, boards) {
    for (const b of boards) {
      const row = root.querySelector(`tr[data-board="${CSS.escape(String(b.board))}"]`);
      if (!row) continue;
      if (row.dataset.state !== b.state) {
        row.dataset.state = b.state;
        const cell = row.querySelector('[data-field="state"]');
        cell.className = `state-${b.state}`;
      }
      const l = b.latency_ms;
      setField(row, "latency_ms", l ? `${l.p50} / ${l.p95} / ${l.max}` : "—");
      setField(row, "errors", Object.entries(b.errors).map(([k, n]) => `${k}: ${n}`).join(", "));
      setField(row, "retries", String(b.retries));
      setField(row, "frames", `${b.frames_sent} / ${b.frames_received}`);
      setField(row, "port_reopens", String(b.port_reopens));
    }
  }

  function showGpio(root, gpio) {
    for (const [kind, list, key] of [["input", gpio.inputs, "active"], ["output", gpio.outputs, "on"]]) {
      for (const pin of list || []) {
        const row = root.querySelector(`[data-testid="${kind}-${pin.name}"]`);
        if (!row) continue;
        row.dataset.active = String(pin[key]);
        setField(row, "active", yesNo(pin[key]));
        row.querySelector('[data-field="active"]').classList.toggle("on", pin[key]);
      }
    }
  }

  function show(hardware) {
    const root = document.getElementById("hardware");
    showBoards(root, hardware.boards);
    showGpio(root, hardware.gpio);
    for (const bus of hardware.buses) {
      const row = root.querySelector(`tr[data-bus="${CSS.escape(bus.name)}"]`);
      setField(row, "port_open", yesNo(bus.port_open));
      setField(row, "port_reopens", String(bus.port_reopens));
      setField(row, "port_failures", String(bus.port_failures));
    }
  }

  async function refresh() {
    const root = document.getElementById("hardware");
    const response = await fetch(root.dataset.liveUrl, { headers: { Accept: "application/json" },
                                                         cache: "no-store", credentials: "same-origin" });
    if (response.ok) show((await response.json()).hardware);
  }

  if (window.lockerLive) {
    window.lockerLive.on("hardware", show);
    window.lockerLive.follow(() => { refresh().catch(() => { /* the next reconnection tries again */ }); });
  }
})();
