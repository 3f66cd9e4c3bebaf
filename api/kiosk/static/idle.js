// How long each screen waits for the citizen. The start screen dims; a form, an information
// screen or a door screen asks "Need more time?" and goes back to the start only when nobody
// answers; a finished screen goes back by itself. The door screen shows how long it still waits.
// "More time" is one setting (access.js): the access bar's button or a "Yes" to the question
// turns it on, and every wait, the question's included, is then doubled for this transaction.

import { allowMoreTime, resetAccess, timeFactor } from "./access.js";
import { REOPENABLE } from "./door.js";
import { $, bilingual, body, screens, state } from "./page.js";
import { RATING_MS } from "./rating.js";
import { forgetSound, say } from "./sound.js";
import { T, fill } from "./text.js";

const INACTIVITY_MS = (Number(body.dataset.inactivity) || 90) * 1000;
const MORE_TIME_MS = (Number(body.dataset.moreTime) || 20) * 1000;
const DOOR_WAIT_MS = 5 * 60 * 1000;   // a door left open: ask after 5 minutes
const DONE_MS = 20 * 1000;
// The home screen dims after this long untouched; a touch or the presence sensor wakes it.
const SLEEP_MS = (Number(body.dataset.sleep) || 120) * 1000;

export function resetIdle() {
  clearTimeout(state.idleTimer);
  wake();
  $("more-time").hidden = true;
  const ms = waitOf(state.screen) * timeFactor();
  state.idleDeadline = Date.now() + ms;
  state.idleTimer = setTimeout(idle, ms);
  showTimeLeft();
}

function waitOf(screen) {
  if (screen === "home") return SLEEP_MS;
  if (screen === "rating") return RATING_MS;
  if (screen !== "status") return INACTIVITY_MS;   // forms and information screens
  const op = state.op && state.op.waiting ? state.op : null;
  if (!op) return DONE_MS;
  return REOPENABLE[op.status] ? INACTIVITY_MS : DOOR_WAIT_MS;
}

// Whether the screen asks before it goes back: yes where the citizen is still doing something.
function asksFirst(screen) {
  if (screen === "status") return Boolean(state.op && state.op.waiting);
  return screen !== "home" && screen !== "rating";
}

function idle() {
  if (state.screen === "home") return sleep();
  if (asksFirst(state.screen)) return askMoreTime();
  screens.goHome();
}

function askMoreTime() {
  bilingual($("more-time-question"), T.more_time_question);
  bilingual($("btn-more-time"), T.more_time_button);
  const ms = MORE_TIME_MS * timeFactor();
  state.idleDeadline = Date.now() + ms;
  state.idleTimer = setTimeout(screens.goHome, ms);
  $("more-time").hidden = false;
  showTimeLeft();
}

// A tap anywhere on the question: more time from now on, and the screen stays as it was (what was
// typed, the field the keys type into, the language); its wait starts again.
export function moreTime() {
  allowMoreTime();
  resetIdle();
  if (state.screen === "form" && state.activeInput) state.activeInput.focus();
}

// Ticks every second: the countdown of the door screen, and that of the question.
export function showTimeLeft() {
  const seconds = Math.max(0, Math.ceil((state.idleDeadline - Date.now()) / 1000));
  if (!$("more-time").hidden) {
    bilingual($("more-time-countdown"), fill(T.more_time_countdown, { t: String(seconds) }));
  } else if (!$("where").hidden) {
    const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    bilingual($("time-left"), fill(T.time_left, { t: clock }));
  }
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
