// Information at the kiosk: the procedures the cabinet accepts (documents, fee, time, and a QR of
// the procedure's page on the national portal), and a dossier's status by its code. Every
// procedure text comes from the district's file in both languages; the page's own words are in
// text.js.

import { $, ask, bilingual, hideMessage, screens, setMode, showApiMessage, showKioskError, state, stopTimers }
  from "./page.js";
import { LAYOUTS, T, fill } from "./text.js";

const LOOKUP_WORDS = { dropped_off: "lookup_dropped_off", received: "lookup_received", ready: "lookup_ready",
  collected: "lookup_collected", expired: "lookup_expired" };
const OFFICE_TIME_ZONE = "Asia/Ho_Chi_Minh";

// The start screen's "Procedures" button shows only when the cabinet lists some.
export async function offerProcedures() {
  const result = await ask("GET", "/api/v1/kiosk/procedures");
  if (result && result.status === 200 && Array.isArray(result.body)) $("btn-procedures").hidden = !result.body.length;
}

function openInfo(screen) {
  stopTimers();
  hideMessage();
  screens.show(screen);
  setMode("busy");
}

async function openProcedures() {
  openInfo("procedures");
  const result = await ask("GET", "/api/v1/kiosk/procedures");
  if (state.screen !== "procedures") return;
  if (!result) return showKioskError(T.offline);
  if (result.status !== 200 || !Array.isArray(result.body)) return showApiMessage(result.body, "error");
  $("procedures-empty").hidden = result.body.length > 0;
  $("procedure-list").replaceChildren(...result.body.map(procedureButton));
}

function procedureButton(procedure) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "big neutral bi procedure";
  button.dataset.testid = `procedure-${procedure.code}`;
  bilingual(button, [procedure.name.vi, procedure.name.en]);
  button.addEventListener("click", () => openProcedure(procedure.code));
  return button;
}

async function openProcedure(code) {
  const result = await ask("GET", `/api/v1/kiosk/procedures/${encodeURIComponent(code)}`);
  if (state.screen !== "procedures") return;
  if (!result) return showKioskError(T.offline);
  if (result.status !== 200 || !result.body) return showApiMessage(result.body, "error");
  showProcedure(result.body);
  openInfo("procedure");
}

function showProcedure(procedure) {
  bilingual($("procedure-name"), [procedure.name.vi, procedure.name.en]);
  $("procedure-documents").replaceChildren(...procedure.documents.map((document_) => {
    const item = document.createElement("li");
    item.className = "bi";
    bilingual(item, [document_.vi, document_.en]);
    return item;
  }));
  bilingual($("procedure-fee"), [procedure.fee.vi, procedure.fee.en]);
  bilingual($("procedure-time"), [procedure.processing_time.vi, procedure.processing_time.en]);
  $("procedure-qr").src = procedure.qr_image;
  $("procedure-url").textContent = procedure.portal_url;
}

// ---- the status lookup ------------------------------------------------------------------

function openLookup() {
  openInfo("lookup");
  $("lookup-form").reset();
  $("lookup-result").hidden = true;
  $("lookup-submit").disabled = false;
  $("lookup-code").focus();
}

// Look up a dossier code typed on the screen (or by a scanner that types, ending with Enter).
export async function lookUp(code) {
  const submitButton = $("lookup-submit");
  if (submitButton.disabled) return;
  hideMessage();
  $("lookup-result").hidden = true;
  submitButton.disabled = true;
  const result = await ask("POST", "/api/v1/kiosk/lookups", { dossier_code: code.trim() });
  submitButton.disabled = false;
  if (state.screen !== "lookup") return;
  if (!result) return showKioskError(T.offline);
  if (result.status !== 200 || !result.body) {
    showApiMessage(result.body, "error");
    return $("lookup-code").focus();
  }
  showStatus(result.body);
}

function showStatus(found) {
  const box = $("lookup-result");
  const words = fill(T[LOOKUP_WORDS[found.status]] || T.error, { d: found.dossier_code, u: officeTime(found.until) });
  bilingual(box, words);
  box.className = `status-box lookup-result bi ${found.status === "expired" ? "error" : "success"}`;
  box.dataset.status = found.status;
  box.hidden = false;
}

// "17:00 05/03/2025" in the office's time, as on the SMS link's page.
function officeTime(iso) {
  if (!iso) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: OFFICE_TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23", day: "2-digit",
    month: "2-digit", year: "numeric",
  }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}/${parts.year}`;
}

// The lookup's own keyboard (the form's keyboard belongs to the drop-off and pickup fields).
function renderLookupKeys() {
  const rows = LAYOUTS.code.map((row) => row.slice());
  rows[rows.length - 1].push("CLEAR", "BACK");
  $("lookup-keyboard").replaceChildren(...rows.map((row) => {
    const line = document.createElement("div");
    line.className = "row";
    line.append(...row.map(lookupKey));
    return line;
  }));
}

function lookupKey(key) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = key.length > 1 ? "key wide bi" : "key";
  button.dataset.key = key;
  button.dataset.testid = `lookup-key-${key.toLowerCase()}`;
  if (key.length > 1) bilingual(button, T[key === "BACK" ? "key_back" : "key_clear"]);
  else button.textContent = key;
  return button;
}

function pressLookupKey(key) {
  const input = $("lookup-code");
  if (key === "BACK") input.value = input.value.slice(0, -1);
  else if (key === "CLEAR") input.value = "";
  else if (input.value.length < input.maxLength) input.value += key;
  $("lookup-result").hidden = true;
  input.focus();
}

// Words of the information screens' static parts, from T (both languages).
function fillWords() {
  for (const element of document.querySelectorAll("[data-t]")) bilingual(element, T[element.dataset.t]);
}

export function wireInfo() {
  fillWords();
  renderLookupKeys();
  $("btn-procedures").addEventListener("click", openProcedures);
  $("btn-lookup").addEventListener("click", openLookup);
  $("btn-procedures-back").addEventListener("click", openProcedures);
  for (const button of document.querySelectorAll(".info-home")) button.addEventListener("click", screens.goHome);
  const board = $("lookup-keyboard");
  board.addEventListener("pointerdown", (event) => event.preventDefault());
  board.addEventListener("click", (event) => {
    const key = event.target.closest("[data-key]");
    if (key) pressLookupKey(key.dataset.key);
  });
  $("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp($("lookup-code").value);
  });
  offerProcedures();
}
