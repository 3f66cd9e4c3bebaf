// How long each screen waits for the citizen. The start screen dims; a form or a door screen
// asks "Need more time?" and goes back to the start only when nobody answers; a finished
// screen goes back by itself. The door screen shows how long it still waits.

import { REOPENABLE } from "./door.js";
import { $, bilingual, body, screens, state } from "./page.js";
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
  const ms = waitOf(state.screen);
  state.idleDeadline = Date.now() + ms;
  state.idleTimer = setTimeout(idle, ms);
  showTimeLeft();
}

function waitOf(screen) {
  if (screen === "home") return SLEEP_MS;
  if (screen === "form") return INACTIVITY_MS;
  const op = state.op && state.op.waiting ? state.op : null;
  if (!op) return DONE_MS;
  return REOPENABLE[op.status] ? INACTIVITY_MS : DOOR_WAIT_MS;
}

function idle() {
  if (state.screen === "home") return sleep();
  if (state.screen === "form" || (state.op && state.op.waiting)) return askMoreTime();
  screens.goHome();
}

function askMoreTime() {
  bilingual($("more-time-question"), T.more_time_question);
  bilingual($("btn-more-time"), T.more_time_button);
  state.idleDeadline = Date.now() + MORE_TIME_MS;
  state.idleTimer = setTimeout(screens.goHome, MORE_TIME_MS);
  $("more-time").hidden = false;
  showTimeLeft();
}

// A tap anywhere on the question: the screen stays as it was, its wait starts again.
export function moreTime() {
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

// A prompt to close a door left open is never dimmed away.
function sleep() {
  if ($("door-alert").hidden) body.classList.add("asleep");
  else resetIdle();
}

function wake() {
  body.classList.remove("asleep");
}
