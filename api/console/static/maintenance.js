/* Maintenance pages, live: the weekly check's rows and the maintenance openings under
 * way follow what the sensors say. The console's event stream (window.lockerLive) brings
 * each changed opening, and says when the check run changed (its JSON view is read then);
 * see live.js for the reconnections. */
"use strict";

(function () {
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

  function runningCheck() {
    return document.querySelector('[data-testid="run"][data-status="running"]');
  }

  async function refreshRun() {
    const section = runningCheck();
    if (section) showRun(section, await read(section.dataset.liveUrl));
  }

  function openingRow(id) {
    return document.querySelector(`table.openings tr[data-opening="${CSS.escape(String(id))}"]`);
  }

  async function refresh() {
    await refreshRun();
    const table = document.querySelector("table.openings");
    if (!table) return;
    for (const row of table.querySelectorAll('tr[data-status="opening"], tr[data-status="door_open"]')) {
      const url = table.dataset.liveUrl.replace(/0\.json$/, `${row.dataset.opening}.json`);
      showOpening(row, await read(url));
    }
  }

  const quietly = (work) => () => work().catch(() => { /* the next event or reconnection tries again */ });

  if (window.lockerLive) {
    window.lockerLive.on("opening", (opening) => {
      const row = openingRow(opening.id);
      if (row) showOpening(row, opening);
    });
    window.lockerLive.on("run", (run) => {
      const section = runningCheck();
      if (section && run.kind === "check" && String(run.id) === section.dataset.run) quietly(refreshRun)();
    });
    window.lockerLive.follow(quietly(refresh));
  }
})();
