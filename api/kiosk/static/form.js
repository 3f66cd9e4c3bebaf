// The drop-off and pickup form with its on-screen keyboard. Every error comes from the service,
// in the page's language, with what to do next.

import { startWaiting } from "./door.js";
import { pollAvailability } from "./home.js";
import { $, ask, bilingual, showApiMessage, showKioskError, showMessage, state, tr } from "./page.js";
import { LAYOUTS, T } from "./text.js";
import { say } from "./sound.js";

const FIELDS = {
  dropoff: { dossier_code: "dossier-code", phone: "phone", email: "email" },
  pickup: { dossier_code: "pickup-dossier-code", code: "pickup-code" },
};
const ALLOWED = { digits: /[^0-9]/g, phone: /[^0-9+ ]/g, email: /\s/g };

export function showFields(flow) {
  state.flow = flow;
  $("dropoff-fields").hidden = flow !== "dropoff";
  $("pickup-fields").hidden = flow !== "pickup";
  bilingual($("email-label"), T.email_label);
  offerSizes();
  focusInput($(flow === "dropoff" ? "dossier-code" : "pickup-dossier-code"));
}

export function resetForm() {
  state.submitting = false;
  $("form").reset();
  state.low = false;
  selectSize("");
  $("submit").disabled = false;
}

export function selectSize(size) {
  state.size = size;
  for (const button of document.querySelectorAll(".size")) {
    button.setAttribute("aria-checked", String(button.dataset.size === size));
  }
}

// Sizes no compartment can take now are not offered (with "low", no compartment within reach). The
// low compartment is offered where the cabinet has one.
function offerSizes() {
  const dropoff = state.availability ? state.availability.dropoff : {};
  const low = $("btn-low");
  low.hidden = !dropoff.low;
  bilingual(low, T.low);
  low.setAttribute("aria-pressed", String(Boolean(state.low)));
  const sizes = (state.low ? dropoff.low : dropoff.sizes) || {};
  for (const button of document.querySelectorAll(".size")) button.disabled = Boolean(sizes[button.dataset.size]);
  if (state.size && sizes[state.size]) selectSize("");
}

export function toggleLow() {
  state.low = !state.low;
  offerSizes();
}

export function focusInput(input) {
  state.activeInput = input;
  input.focus();
  renderKeyboard();
}

export async function submit(event) {
  event.preventDefault();
  if (state.submitting || $("submit").disabled) return;
  const dropoff = state.flow === "dropoff";
  const data = dropoff
    ? { dossier_code: $("dossier-code").value.trim(), phone: $("phone").value.trim(), size: state.size,
        email: $("email").value.trim() || undefined }
    : { dossier_code: $("pickup-dossier-code").value.trim(), code: $("pickup-code").value.trim() };
  if (dropoff && state.low) data.low = true;
  state.submitting = true;
  $("submit").disabled = true;
  showMessage("info", T.opening);
  const result = await ask("POST", dropoff ? "/api/v1/dropoffs" : "/api/v1/pickups", data);
  state.submitting = false;
  if (state.screen !== "form") return;
  $("submit").disabled = false;
  if (!result) return showKioskError(T.offline);
  if (result.status === 201 && result.body) return startWaiting(state.flow, result.body);
  showApiMessage(result.body, "error");
  say("error", "error");
  refocus(result.body && FIELDS[state.flow][result.body.field]);
  if (result.status === 429) countdown(parseInt(result.headers.get("Retry-After"), 10) || 30);
  const full = result.body && ["no_compartment", "no_low_compartment"].includes(result.body.error);
  if (result.status === 503 || full) pollAvailability().then(offerSizes);
}

// After an error the caret goes back to the field at fault, or to the field the keys type into
// (tapping "submit" took the focus away, and with it the highlight a citizen looks for).
function refocus(fieldId) {
  if (fieldId) focusInput($(fieldId));
  else if (state.activeInput) state.activeInput.focus();
}

// The service's message names the wait in seconds; that number becomes the one live countdown.
function countdown(seconds) {
  const started = Date.now();
  const submitButton = $("submit");
  submitButton.disabled = true;
  const number = countdownIn($("status-message").querySelector("span"), String(seconds));
  const tick = () => {
    const left = Math.max(0, seconds - Math.floor((Date.now() - started) / 1000));
    number.textContent = String(left);
    if (!left) {
      clearInterval(state.countdownTimer);
      submitButton.disabled = false;
      showMessage("info", T.countdown_over);
    }
  };
  clearInterval(state.countdownTimer);
  state.countdownTimer = setInterval(tick, 1000);
  tick();
}

function countdownIn(sentence, seconds) {
  const number = document.createElement("span");
  number.className = "countdown";
  number.dataset.testid = "countdown";
  const text = sentence.textContent;
  const at = text.indexOf(seconds);
  if (at < 0) sentence.append(" ", number);
  else sentence.replaceChildren(text.slice(0, at), number, text.slice(at + seconds.length));
  return number;
}

// ---- on-screen keyboard -------------------------------------------------------------

export function renderKeyboard() {
  const board = $("keyboard");
  const input = state.activeInput;
  const kind = input ? input.dataset.keys : "";
  board.replaceChildren();
  board.className = `keyboard ${kind}`;
  if (!LAYOUTS[kind]) return;
  const rows = LAYOUTS[kind].map((row) => row.slice());
  rows[rows.length - 1].push("CLEAR", "BACK");
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const key of row) line.append(keyButton(key));
    board.append(line);
  }
}

function keyButton(key) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = key.length > 1 ? "key wide" : "key";
  button.dataset.key = key;
  button.dataset.testid = `key-${key.toLowerCase()}`;
  button.textContent = key === "BACK" ? tr("key_back") : key === "CLEAR" ? tr("key_clear") : key;
  return button;
}

export function pressKey(key) {
  const input = state.activeInput;
  if (!input) return;
  if (key === "BACK") input.value = input.value.slice(0, -1);
  else if (key === "CLEAR") input.value = "";
  else if (input.value.length < input.maxLength) input.value += key;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

export function cleanInput(input) {
  const pattern = input.id === "phone" ? ALLOWED.phone : ALLOWED[input.dataset.keys] || null;
  if (pattern && pattern.test(input.value)) input.value = input.value.replace(pattern, "");
}
