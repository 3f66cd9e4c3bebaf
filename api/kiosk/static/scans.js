// The scanner's reads as they happen, on the kiosk's stream (/kiosk/events). On the start screen
// a pickup QR opens its door at once, the dossier code of the office's receipt starts a drop-off
// with the code filled in, and a clerk's badge leads to its PIN.

import { showRetry, startWaiting } from "./door.js";
import { focusInput } from "./form.js";
import { $, ask, body, screens, setMode, showDetail, showKioskError, state, stopTimers } from "./page.js";
import { say } from "./sound.js";
import { listen } from "./stream.js";
import { T } from "./text.js";

export function listenToScanner() {
  listen("/kiosk/events", { hello: connected, scan: scanned }, () => { delete body.dataset.scanner; });
}

const scanKey = (scan) => (scan ? [scan.at, scan.ok, scan.error, scan.pickup && scan.pickup.id,
  scan.dossier_code, scan.badge && scan.badge.ticket].join("|") : "");

// Connected: the first time, the last scan is the baseline (not news); after a break, a scan
// read meanwhile is shown as if it had just come.
async function connected() {
  body.dataset.scanner = "listening";
  const known = state.lastScanKey;
  const result = await ask("GET", "/api/v1/kiosk/activity");
  if (!result || result.status !== 200 || !result.body) return;
  const scan = result.body.last_scan;
  const key = scanKey(scan);
  if (known === undefined) {
    if (state.lastScanKey === undefined) state.lastScanKey = key;
  } else if (key && key !== known && key !== state.lastScanKey) {
    scanned(scan);
  }
}

function scanned(scan) {
  state.lastScanKey = scanKey(scan);
  const free = state.screen === "home" || (state.screen === "form" && !state.submitting);
  if (scan.ok && scan.pickup && scan.pickup.id) {
    if (free) startWaiting("pickup", scan.pickup);  // its door is opening: show it wherever the page is
    return;
  }
  if (state.screen !== "home") return;
  if (scan.ok && scan.badge && scan.badge.ticket) {  // a clerk's badge: its PIN signs in to the console
    window.location.assign(`/login/badge/${encodeURIComponent(scan.badge.ticket)}`);
    return;
  }
  if (scan.ok && scan.dossier_code) return startDropoff(scan.dossier_code);
  showScanError(scan.error);
}

// The home screen says so when no drop-off can start now; the code then opens no form.
function startDropoff(code) {
  if ($("btn-dropoff").disabled) return;
  screens.openForm("dropoff");
  $("dossier-code").value = code;
  focusInput($("phone"));
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
