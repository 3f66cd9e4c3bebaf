// Kiosk page: drop-off and pickup flows for citizens. Vanilla JS modules, no dependencies.
// This module holds the screens and wires the page; page.js what the parts share, form.js the
// form and its keyboard, door.js the wait for a door, where.js the cabinet's picture, receipt.js
// the receipt after it, rating.js the satisfaction screen after that, home.js the start screen,
// info.js the procedures and the status lookup, scans.js the scanner's reads (stream.js their
// stream), idle.js how long each screen waits, access.js and sound.js accessibility.

import { resetAccess, wireAccess } from "./access.js";
import { backToStart, endFlow, retry } from "./door.js";
import { cleanInput, focusInput, pressKey, renderKeyboard, resetForm, selectSize, showFields, submit,
  toggleLow } from "./form.js";
import { pollActivity, pollAvailability } from "./home.js";
import { moreTime, resetIdle, showTimeLeft } from "./idle.js";
import { wireInfo } from "./info.js";
import { $, body, hideMessage, screens, setMode, state, stopTimers } from "./page.js";
import { offerRating } from "./rating.js";
import { hideReceipt } from "./receipt.js";
import { listenToScanner } from "./scans.js";
import { forgetSound, say, sayAgain, stopSound } from "./sound.js";
import { T } from "./text.js";
import { hideWhere, loadLayout } from "./where.js";

const MODE_REFRESH_MS = (Number(body.dataset.modeRefresh) || 20) * 1000;
const ACTIVITY_MS = 1500;
const AVAILABILITY_MS = 5000;

function show(screen) {
  if (screen !== "status") hideReceipt();
  hideWhere();
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
  pollActivity();
  pollAvailability();
  loadLayout();
}

function openForm(flow) {
  stopTimers();
  hideMessage();
  show("form");
  setMode("busy");
  showFields(flow);
  say(`form_${flow}`);
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
  $("more-time").addEventListener("click", moreTime);
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
  // Any touch or key keeps the screen waiting; on the "Need more time?" question, its own tap does.
  for (const type of ["pointerdown", "keydown", "input"]) {
    document.addEventListener(type, (event) => { if (!$("more-time").contains(event.target)) resetIdle(); }, true);
  }
  setInterval(showTimeLeft, 1000);
  setInterval(() => setMode(state.mode), MODE_REFRESH_MS);
  setInterval(pollActivity, ACTIVITY_MS);
  setInterval(() => { if (state.screen === "home") pollAvailability(); }, AVAILABILITY_MS);
}

wire();
goHome();
listenToScanner();
