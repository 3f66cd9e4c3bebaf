// The start screen: what can start at the cabinet now, doors left open (a prompt on every
// screen) and someone in front of the kiosk (scans at the QR scanner: scans.js).

import { $, ask, bilingual, body, screens, state } from "./page.js";
import { T, fill } from "./text.js";

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
}

// A door left open: ask whoever is at the cabinet to close it, on every screen.
function showDoorsLeftOpen(labels) {
  const alert = $("door-alert");
  if (!labels.length) {
    alert.hidden = true;
    return;
  }
  bilingual(alert, fill(T.close_door, { l: labels.join(", ") }));
  alert.hidden = false;
}
