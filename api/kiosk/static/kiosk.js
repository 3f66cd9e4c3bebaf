// Kiosk page: drop-off and pickup flows for citizens. Vanilla JS modules, no dependencies.
// This module holds the screens and wires the page; page.js what the parts share, form.js the
// form and its keyboard, door.js the wait for a door, receipt.js the receipt after it, rating.js
// the satisfaction screen after that, home.js the start screen, info.js the procedures and the
// status lookup.

import { REOPENABLE, backToStart, endFlow, retry } from "./door.js";
import { cleanInput, focusInput, pressKey, renderKeyboard, resetForm, selectSize, showFields, submit,
  toggleLow } from "./form.js";
import { pollActivity, pollAvailability } from "./home.js";
import { $, body, hideMessage, screens, setMode, state, stopTimers } from "./page.js";
import { RATING_MS, offerRating } from "./rating.js";
import { wireInfo } from "./info.js";
import { hideReceipt } from "./receipt.js";
import { T } from "./text.js";
import { resetAccess, timeFactor, wireAccess } from "./access.js";
import { forgetSound, say, sayAgain, stopSound } from "./sound.js";

const INACTIVITY_MS = (Number(body.dataset.inactivity) || 90) * 1000;
const MODE_REFRESH_MS = (Number(body.dataset.modeRefresh) || 20) * 1000;
const DOOR_WAIT_MS = 5 * 60 * 1000;   // a door left open: give up the screen after 5 minutes
const DONE_MS = 20 * 1000;
// The home screen dims after this long untouched; a touch or the presence sensor wakes it.
const SLEEP_MS = (Number(body.dataset.sleep) || 120) * 1000;
const ACTIVITY_MS = 1500;
const AVAILABILITY_MS = 5000;

function show(screen) {
  if (screen !== "status") hideReceipt();
  state.screen = screen;
  body.dataset.screen = screen;
  for (const section of document.querySelectorAll("main > .screen")) section.hidden = section.id !== `screen-${screen}`;
  resetIdle();
}

function goHome() {
  if (offerRating(state.op)) return;  // a finished drop-off or pickup is rated (or skipped) first
  endFlow(state.op);
  stopTimers();
  state.op = null;
  resetForm();
  hideMessage();
  resetAccess();
  forgetSound();
  setLang("vi");
  show("home");
  setMode("idle");
  state.lastScan = null;
  pollActivity();
  pollAvailability();
}

function openForm(flow) {
  stopTimers();
  hideMessage();
  show("form");
  setMode("busy");
  showFields(flow);
  say(`form_${flow}`);
}

function resetIdle() {
  clearTimeout(state.idleTimer);
  wake();
  const op = state.screen === "status" && state.op && state.op.waiting ? state.op : null;
  const waited = op ? (REOPENABLE[op.status] ? INACTIVITY_MS : DOOR_WAIT_MS) : DONE_MS;
  const ms = { home: SLEEP_MS, status: waited, rating: RATING_MS }[state.screen] || INACTIVITY_MS;  // forms and information
  state.idleTimer = setTimeout(state.screen === "home" ? sleep : goHome, ms * timeFactor());
}

// A prompt to close a door left open is never dimmed away. Whoever turned a setting on and left
// without starting leaves it to nobody.
function sleep() {
  if (!$("door-alert").hidden) return resetIdle();
  body.classList.add("asleep");
  resetAccess();
  forgetSound();
}

// Someone came (a touch, the presence sensor): the start screen's prompt greets them.
function wake() {
  if (!body.classList.contains("asleep")) return;
  body.classList.remove("asleep");
  if (state.screen === "home") say("home");
}

function setLang(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  document.documentElement.dataset.lang = lang;
  $("btn-lang").textContent = T.lang_button[lang === "en" ? 1 : 0];
  renderKeyboard();
  sayAgain();
}

function accessChanged(name) {
  if (name === "slow") resetIdle();
  if (name === "muted") stopSound();
}

function wire() {
  Object.assign(screens, { show, resetIdle, goHome, openForm });
  $("btn-dropoff").addEventListener("click", () => openForm("dropoff"));
  $("btn-pickup").addEventListener("click", () => openForm("pickup"));
  $("btn-back").addEventListener("click", goHome);
  wireInfo();
  $("btn-home").addEventListener("click", backToStart);
  $("btn-retry").addEventListener("click", retry);
  $("btn-lang").addEventListener("click", () => setLang(state.lang === "vi" ? "en" : "vi"));
  $("form").addEventListener("submit", submit);
  $("btn-low").addEventListener("click", toggleLow);
  wireAccess(accessChanged);
  for (const button of document.querySelectorAll(".size")) {
    button.addEventListener("click", () => selectSize(button.dataset.size));
  }
  for (const input of document.querySelectorAll("#form input")) {
    input.addEventListener("focus", () => { if (state.activeInput !== input) focusInput(input); });
    input.addEventListener("input", () => cleanInput(input));
  }
  const board = $("keyboard");
  // Keep the focus (and the caret) in the field while keys are tapped.
  board.addEventListener("pointerdown", (event) => event.preventDefault());
  board.addEventListener("click", (event) => {
    const key = event.target.closest("[data-key]");
    if (key) pressKey(key.dataset.key);
  });
  for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, resetIdle, true);
  setInterval(() => setMode(state.mode), MODE_REFRESH_MS);
  setInterval(pollActivity, ACTIVITY_MS);
  setInterval(() => { if (state.screen === "home") pollAvailability(); }, AVAILABILITY_MS);
}

wire();
goHome();
