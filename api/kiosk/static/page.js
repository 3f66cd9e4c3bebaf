// What every part of the kiosk page shares: its elements, its state, the API, the message box.

import { T, fill } from "./text.js";

export const $ = (id) => document.getElementById(id);
export const body = document.body;

export const state = {
  lang: "vi", screen: "home", flow: "dropoff", size: "", low: false, mode: "idle", activeInput: null,
  op: null, pollTimer: 0, idleTimer: 0, countdownTimer: 0, submitting: false,
  // When the screen stops waiting (ms since the epoch): the door screen's countdown shows it.
  idleDeadline: 0,
  // The last scan the page knows of (scans.js), undefined until the scanner's stream first connects.
  lastScanKey: undefined,
  // The last answer of /api/v1/kiosk/availability: what can start now, and the office's contact.
  availability: null,
  // The cabinet's front (/api/v1/kiosk/layout): where each compartment is.
  layout: null,
};

// The screens, set up by kiosk.js: show(name), resetIdle(), goHome(), openForm(flow).
export const screens = {};

export const tr = (key, vars) => fill(T[key], vars)[state.lang === "en" ? 1 : 0];

// ---- talking to the API -------------------------------------------------------------

const kioskToken = (() => {
  const fromUrl = new URLSearchParams(location.search).get("kiosk_token");
  if (fromUrl) sessionStorage.setItem("kioskToken", fromUrl);
  return sessionStorage.getItem("kioskToken") || "";
})();

// What every call to the service carries: the kiosk token (when the page was given one) and the language.
export function kioskHeaders(accept) {
  const headers = { Accept: accept, "Accept-Language": state.lang };
  if (kioskToken) headers["X-Kiosk-Token"] = kioskToken;
  return headers;
}

async function api(method, path, data) {
  const headers = kioskHeaders("application/json");
  const options = { method, headers, cache: "no-store" };
  if (data !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(data);
  }
  const resp = await fetch(`${path}${path.includes("?") ? "&" : "?"}lang=${state.lang}`, options);
  const json = resp.status === 204 ? null : await resp.json().catch(() => null);
  return { status: resp.status, body: json, headers: resp.headers };
}

// The answer, or null when the service could not be reached.
export async function ask(method, path, data) {
  try {
    return await api(method, path, data);
  } catch (err) {
    return null;
  }
}

// A drop-off's or pickup's record.
export const recordPath = (op) => `/api/v1/${op.kind === "dropoff" ? "dropoffs" : "pickups"}/${op.id}`;

export function setMode(mode) {
  state.mode = mode;
  api("POST", "/api/v1/kiosk/mode", { mode }).catch(() => {});
}

export function stopTimers() {
  clearTimeout(state.pollTimer);
  clearInterval(state.countdownTimer);
  state.pollTimer = 0;
  state.countdownTimer = 0;
}

// ---- messages -----------------------------------------------------------------------

export function bilingual(element, pair) {
  element.replaceChildren();
  for (const [cls, text] of [["vi", pair[0]], ["en", pair[1]]]) {
    if (!text) continue;
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    element.append(span);
  }
}

// ``help``: what to do next and whom to call, a pair like ``pair`` (either may be empty).
export function showMessage(kind, pair, compartment, help) {
  const box = $("status-box");
  const msg = $("status-message");
  msg.className = "bi";
  bilingual(msg, pair);
  bilingual($("status-help"), help || ["", ""]);
  $("status-help").hidden = !help;
  box.className = `status-box ${kind}`;
  box.hidden = false;
  const label = $("compartment-label");
  label.textContent = compartment || "";
  label.hidden = !compartment;
}

// A message from the API is in the page's language only, and so is its ``help``.
export function showApiMessage(answer, fallbackKey) {
  const text = answer && typeof answer.message === "string" ? answer.message : tr(fallbackKey);
  const help = answer && typeof answer.help === "string" ? answer.help : contactLine();
  showMessage("error", inPageLanguage(text), null, help ? inPageLanguage(help) : null);
}

// A kiosk-side error (the service could not be reached, a flow failed): the office's contact
// as the service last gave it.
export function showKioskError(pair) {
  const help = contactLine();
  showMessage("error", pair, null, help ? inPageLanguage(help) : null);
}

const inPageLanguage = (text) => (state.lang === "en" ? ["", text] : [text, ""]);

function contactLine() {
  const contact = state.availability && state.availability.contact;
  return contact ? contact[state.lang] || "" : "";
}

export function hideMessage() {
  $("status-box").hidden = true;
  $("status-message").replaceChildren();
  $("status-help").replaceChildren();
  $("compartment-label").hidden = true;
}

export function showDetail(text, warning) {
  $("status-detail").textContent = text;
  $("status-detail").classList.toggle("warning", Boolean(warning));
}
