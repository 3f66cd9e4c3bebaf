// Clerks' runs: the live list is read again when the console's stream says this run
// changed (see live.js for the reconnections); reload when the cabinet's scanner brought an
// unannounced code (the page then asks for its phone and size); print button.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }
  if (!live || !window.lockerLive) { return; }
  var url = live.getAttribute("data-live");
  var pending = live.getAttribute("data-pending") || "";
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var box = document.createElement("div");
        box.innerHTML = html;
        var inner = box.querySelector(".live-inner");
        if (!inner) { return; }
        var nowPending = inner.getAttribute("data-pending") || "";
        if (inner.hasAttribute("data-pending") && nowPending !== pending) {
          window.location.reload();
          return;
        }
        live.replaceChildren(inner);
      })
      .catch(function () { /* the next event, or the slow refresh while the stream is away, tries again */ });
  }
  window.lockerLive.on("run", function (run) {
    if (run.kind === live.getAttribute("data-kind") && String(run.id) === live.getAttribute("data-run")) { refresh(); }
  });
  window.lockerLive.follow(refresh);
}());
