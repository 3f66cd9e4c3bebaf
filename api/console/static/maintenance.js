/* Maintenance pages, live: the weekly check's rows and the maintenance openings under
 * way follow what the sensors say. The console's event stream (window.lockerLive) says
 * when something happened at a door; the JSON views are read then, and polled slowly
 * in case the stream is away. */
"use strict";

(function () {
  const POLL_MS = 3000;
  const DOOR_EVENTS = /^(maintenance_|unlock_|door_|lock_jammed|compartment_)/;
  const words = () => {
    const found = document.getElementById("maintenance-words");
    return found ? JSON.parse(found.textContent) : { openings: {}, checks: {} };
  };

  function yesNo(value) {
    const w = words();
    if (value === true) return w.yes || "yes";
    if (value === false) return w.no || "no";
    return "—";
  }

  async function read(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store",
                                        credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  function setField(row, name, text) {
    const cell = row.querySelector(`[data-field="${name}"]`);
    if (cell && cell.textContent !== text) cell.textContent = text;
  }

  function showOpening(row, opening) {
    row.dataset.status = opening.status;
    setField(row, "latch_released", yesNo(opening.latch_released));
    setField(row, "door_opened", yesNo(opening.door_opened));
    setField(row, "item", yesNo(opening.item));
    setField(row, "status", words().openings[opening.status] || opening.status);
  }

  function showRun(section, run) {
    if (run.status !== section.dataset.status) {
      window.location.reload();
      return;
    }
    const current = section.querySelector('[data-testid="run-current"]');
    if (current) current.textContent = run.current || "—";
    for (const check of run.checks) {
      const row = section.querySelector(`tr[data-label="${CSS.escape(check.compartment)}"]`);
      if (!row) continue;
      row.dataset.status = check.status;
      row.classList.toggle("current", check.status === "opening");
      setField(row, "status", words().checks[check.status] || check.status);
      if (check.opening) {
        setField(row, "latch_released", yesNo(check.opening.latch_released));
        setField(row, "door_opened", yesNo(check.opening.door_opened));
        setField(row, "item", yesNo(check.opening.item));
      }
    }
  }

  async function refresh() {
    const section = document.querySelector('[data-testid="run"][data-status="running"]');
    if (section) showRun(section, await read(section.dataset.liveUrl));
    const table = document.querySelector("table.openings");
    if (table) {
      for (const row of table.querySelectorAll('tr[data-status="opening"], tr[data-status="door_open"]')) {
        const url = table.dataset.liveUrl.replace(/0\.json$/, `${row.dataset.opening}.json`);
        showOpening(row, await read(url));
      }
    }
  }

  function refreshNow() {
    refresh().catch(() => { /* the next poll tries again */ });
  }

  async function tick() {
    try {
      await refresh();
    } catch (err) {
      /* the next poll tries again */
    } finally {
      window.setTimeout(tick, POLL_MS);
    }
  }

  if (window.lockerLive) {
    window.lockerLive.on("audit", (event) => { if (event && DOOR_EVENTS.test(event.kind)) refreshNow(); });
  }

  document.addEventListener("DOMContentLoaded", () => window.setTimeout(tick, POLL_MS));
})();
