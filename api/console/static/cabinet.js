/* The live cabinet grid: cells placed by their configured row and column, redrawn from
   "compartment" events of the console stream (and all of them again on each reconnect,
   and slowly while the stream is away); a click shows the compartment's history. The
   minute timer only recounts the "for how long" of each cell, with no request. */
(function () {
  "use strict";
  const words = JSON.parse(document.getElementById("cabinet-words").textContent);
  const grid = document.querySelector("[data-testid=cabinet-grid]");
  const history = document.querySelector("[data-testid=history]");

  function el(tag, cls, text, testid) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    if (testid) node.dataset.testid = testid;
    return node;
  }

  function since(iso) {
    const minutes = Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000));
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? hours + " h " + (minutes % 60) + " min" : Math.floor(hours / 24) + " d";
  }

  function place(cell) {
    cell.style.gridRow = cell.dataset.row;
    cell.style.gridColumn = cell.dataset.column;
  }

  function draw(cell, c) {
    cell.className = "cell " + c.state + (c.door === "open" ? " door-open" : "") + (c.alarms.length ? " has-alarm" : "");
    cell.dataset.state = c.state;
    cell.dataset.door = c.door;
    cell.dataset.row = c.row;
    cell.dataset.column = c.column;
    const line1 = el("span", "l1");
    line1.append(el("span", "c-label", c.label), el("span", "c-state", words.states[c.state] || c.state, "cell-state"),
                 el("span", "c-size", c.size));
    const line2 = el("span", "l2");
    const item = el("span", "c-item", words.item + " " + (c.item === null ? "?" : c.item ? "\u2713" : "\u2013"), "cell-item");
    item.dataset.item = c.item === null ? "unknown" : c.item ? "yes" : "no";
    line2.append(el("span", "c-door", words.doors[c.door] || c.door, "cell-door"), item);
    if (c.dossier_code) {
      const time = el("time", "c-since", since(c.since));
      time.setAttribute("datetime", c.since);
      time.dataset.since = "";
      line2.append(el("span", "c-code", c.dossier_code, "cell-code"), time);
    }
    cell.replaceChildren(line1, line2);
    c.alarms.forEach(function (a) {
      const badge = el("span", "c-alarm", "!", "cell-alarm");
      badge.dataset.kind = a.kind;
      cell.append(badge);
    });
    cell.dataset.door === "open" && cell.setAttribute("aria-label", c.label + " " + (words.doors.open || ""));
    place(cell);
  }

  function update(c) {
    const cell = grid.querySelector('[data-label="' + CSS.escape(c.label) + '"]');
    if (cell) draw(cell, c);
  }

  function refresh() {
    fetch(words.cells, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : []; })
      .then(function (cells) { cells.forEach(update); });
  }

  function showHistory(label) {
    history.hidden = false;
    history.querySelector("[data-role=label]").textContent = label;
    history.querySelector("[data-role=maintenance]").href = words.maintenance.replace("__LABEL__", encodeURIComponent(label));
    const rows = history.querySelector("[data-role=rows]");
    fetch(words.history.replace("__LABEL__", encodeURIComponent(label)), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (events) {
        rows.replaceChildren.apply(rows, events.map(function (e) {
          const tr = el("tr", "", null, "history-row");
          const when = el("time", "", e.time);
          when.setAttribute("datetime", e.time);
          when.dataset.localTime = "";
          const td = el("td");
          td.append(when);
          tr.append(td, el("td", "", e.kind), el("td", "", e.actor), el("td", "", e.dossier_code || ""));
          return tr;
        }));
        window.lockerLive.localTimes(rows);
      });
  }

  grid.querySelectorAll("[data-testid=cell]").forEach(function (cell) {
    place(cell);
    const time = cell.querySelector("time[data-since]");
    if (time) time.textContent = since(time.getAttribute("datetime"));
    cell.addEventListener("click", function () { showHistory(cell.dataset.label); });
  });
  setInterval(function () {
    grid.querySelectorAll("time[data-since]").forEach(function (time) {
      time.textContent = since(time.getAttribute("datetime"));
    });
  }, 60000);
  window.lockerLive.on("compartment", update);
  window.lockerLive.follow(refresh);
})();
