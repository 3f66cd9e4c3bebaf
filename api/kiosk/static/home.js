// The start screen: what can start at the cabinet now, scans at the QR scanner while idle, and
// doors left open (a prompt on every screen).

import { showRetry, startWaiting } from "./door.js";
import { $, ask, bilingual, body, screens, setMode, showDetail, showKioskError, state, stopTimers } from "./page.js";
import { T } from "./text.js";
import { say } from "./sound.js";

export async function pollAvailability() {
  const result = await ask("GET", "/api/v1/kiosk/availability");
  if (!result || result.status !== 200 || !result.body) return;
  state.availability = result.body;
  showAvailability();
}

function showAvailability() {
  const found = state.availability;
  $("btn-dropoff").disabled = !found.dropoff.available;
  $("btn-pickup").disabled = !found.pickup.available;
  $("scan-hint").hidden = !found.pickup.available;
  const notice = $("home-notice");
  notice.hidden = !found.notices.length;
  if (!found.notices.length) return;
  const lines = found.notices.map((n) => [n.vi, n.en]).concat([[found.contact.vi, found.contact.en]]);
  notice.replaceChildren(...lines.map((pair) => {
    const line = document.createElement("p");
    line.className = "bi";
    bilingual(line, pair);
    return line;
  }));
}

export async function pollActivity() {
  const result = await ask("GET", "/api/v1/kiosk/activity");
  if (!result || result.status !== 200 || !result.body) return;
  showDoorsLeftOpen(result.body.doors_left_open || []);
  if (result.body.presence && body.classList.contains("asleep")) screens.resetIdle();
  if (state.screen !== "home") return;
  const scan = result.body.last_scan;
  const key = scan ? JSON.stringify(scan) : "";
  if (state.lastScan === null || key === state.lastScan) {
    state.lastScan = key;  // the first answer on the home screen is the baseline, not news
    return;
  }
  state.lastScan = key;
  if (scan.ok && scan.badge && scan.badge.ticket) {  // a clerk's badge: its PIN signs in to the console
    window.location.assign(`/login/badge/${encodeURIComponent(scan.badge.ticket)}`);
    return;
  }
  if (scan.ok && scan.pickup && scan.pickup.id) return startWaiting("pickup", scan.pickup);
  showScanError(scan.error);
}

// A door left open: ask whoever is at the cabinet to close it, on every screen.
function showDoorsLeftOpen(labels) {
  const alert = $("door-alert");
  if (!labels.length) {
    alert.hidden = true;
    return;
  }
  const list = labels.join(", ");
  alert.querySelector(".vi").textContent = `Vui lòng đóng cửa ngăn ${list}`;
  alert.querySelector(".en").textContent = `Please close compartment door ${list}`;
  alert.hidden = false;
}

function showScanError(code) {
  stopTimers();
  state.op = { kind: "scan", waiting: false };
  showRetry(false);
  showDetail("");
  screens.show("status");
  setMode("busy");
  showKioskError(T[`scan_${code}`] || T.scan_other);
  say("error", "error");
}
