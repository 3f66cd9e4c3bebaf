/* The alarms inbox, live: an alarm the console's stream brings gets its row read from the
   service (alarms.row) and put in: a new one on top when the page's filters let it in
   (newest first), a known one replaced where it is (acknowledged, resolved, repeated). */
(function () {
  "use strict";
  const table = document.querySelector("[data-testid=alarm-list]");
  if (!table || !window.lockerLive) return;
  const body = table.querySelector("tbody");

  function shown(alarm) {
    return (table.dataset.state === "all" || table.dataset.state === alarm.state)
      && (!table.dataset.kind || table.dataset.kind === alarm.kind);
  }

  function rowOf(id) {
    return body.querySelector('[data-testid=alarm-row][data-alarm-id="' + CSS.escape(String(id)) + '"]');
  }

  function put(alarm, html) {
    const box = document.createElement("tbody");
    box.innerHTML = html.trim();
    const fresh = box.querySelector("[data-testid=alarm-row]");
    if (!fresh) return;
    const old = rowOf(alarm.id);
    if (old) {
      const note = old.querySelector("[data-testid=ack-note]");
      const typed = fresh.querySelector("[data-testid=ack-note]");
      if (note && typed) typed.value = note.value;  // what the operator was typing stays
      old.replaceWith(fresh);
    } else {
      body.prepend(fresh);
    }
    window.lockerLive.localTimes(fresh);
    table.hidden = false;
    const empty = document.querySelector("[data-testid=no-alarms]");
    if (empty) empty.hidden = true;
  }

  window.lockerLive.on("alarm", function (alarm) {
    if (!rowOf(alarm.id) && !shown(alarm)) return;
    const url = table.dataset.rowUrl.replace("/0/row", "/" + encodeURIComponent(alarm.id) + "/row");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) put(alarm, html); })
      .catch(function () { /* the page shows it at its next load */ });
  });
})();
