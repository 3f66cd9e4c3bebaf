// Waiting for the door of a drop-off or a pickup.
//
// The page says a door is open only once the service has seen it open (status ``door_open``);
// until then (``opening``) it says which compartment is being opened, and a jam shows the move
// to another compartment, or the failure, never a door that did not open. Every door screen
// shows where the compartment is on the cabinet (where.js).

import { $, ask, bilingual, recordPath, screens, setMode, showApiMessage, showDetail, showKioskError, showMessage,
  state, stopTimers, tr } from "./page.js";
import { showReceipt } from "./receipt.js";
import { T, fill } from "./text.js";
import { hideWhere, showWhere } from "./where.js";
import { say } from "./sound.js";

const POLL_MS = 1000;
const WAITING = new Set(["opening", "door_open"]);
// Where item sensors tell, a door closed on nothing (drop-off) or on the result still inside
// (pickup) can be opened once more; leaving ends the flow (cancelled, or the result stays ready).
export const REOPENABLE = { closed_empty: "reopen_dropoff", left_inside: "reopen_pickup" };
const FINISHED = new Set(["stored", "collected"]);
const ENDED = { cancelled: "cancelled", uncollected: "uncollected" };

export function startWaiting(kind, op) {
  stopTimers();
  state.op = { kind, id: op.id, compartment: op.compartment, status: op.status, waiting: true, movedFrom: "",
    failures: 0, leaving: false };
  showRetry(false);
  showDetail("");
  screens.show("status");
  setMode("busy");
  showDoor();
  state.pollTimer = setTimeout(pollOperation, POLL_MS);
}

function showDoor() {
  const op = state.op;
  const key = op.status === "door_open" ? (op.kind === "dropoff" ? "door_dropoff" : "door_pickup") : "opening_door";
  const door = fill(T[key], { c: op.compartment || "" });
  const moved = fill(T.moved, { p: op.movedFrom });
  const pair = op.movedFrom ? door.map((text, i) => moved[i] + text) : door;
  showMessage("info", pair, op.compartment);
  showWhere(op.compartment);
  if (op.status === "door_open") say(`door_${op.kind}`, "door_open");
  else say("opening");
}

async function pollOperation() {
  const op = state.op;
  if (!op || !op.waiting) return;
  const result = await ask("GET", recordPath(op));
  if (state.op !== op) return;
  if (!result || result.status >= 500) {
    op.failures += 1;
    if (op.failures === 5) showDetail(tr("offline"));
  } else if (result.status !== 200 || !result.body) {
    return finish("error", null, result.body);
  } else {
    op.failures = 0;
    showDetail(op.leaving ? tr("leave_warning", { c: op.compartment }) : "", op.leaving);
    const { status, compartment, dossier_code: dossier } = result.body;
    if (WAITING.has(status)) followDoor(op, status, compartment);
    else if (REOPENABLE[status]) offerReopen(op, status);
    else if (FINISHED.has(status)) {
      op.status = status;
      showReceipt(op, result.body.receipt);
      return finish("success", fill(T[op.kind === "dropoff" ? "stored" : "collected"], { d: dossier }));
    } else return finish("error", T[ENDED[status] || "failed"]);
  }
  state.pollTimer = setTimeout(pollOperation, POLL_MS);
}

function followDoor(op, status, compartment) {
  const moved = Boolean(compartment) && compartment !== op.compartment;
  if (!moved && status === op.status) return;
  if (moved) {
    op.movedFrom = op.compartment;
    op.compartment = compartment;
  }
  op.status = status;
  showDoor();
}

function offerReopen(op, status) {
  if (op.status === status) return;
  op.status = status;
  op.leaving = false;
  showDetail("");
  showMessage("error", fill(T[REOPENABLE[status]], { c: op.compartment }), op.compartment);
  showWhere(op.compartment);
  say(REOPENABLE[status], "error");
  showRetry(true, fill(T.reopen_button, { c: op.compartment }));
  screens.resetIdle();
}

// "Try again": the same compartment once more while the flow waits on the person, else the form.
export function retry() {
  const op = state.op;
  if (op && op.waiting && REOPENABLE[op.status]) return reopen(op);
  screens.openForm(op && op.kind === "dropoff" ? "dropoff" : "pickup");
}

async function reopen(op) {
  showRetry(false);
  const result = await ask("POST", `${recordPath(op)}/reopen`);
  if (state.op !== op) return;
  if (!result || result.status !== 200 || !result.body) {
    showRetry(true, fill(T.reopen_button, { c: op.compartment }));
    return result ? showApiMessage(result.body, "error") : showKioskError(T.offline);
  }
  op.status = result.body.status;
  op.movedFrom = "";
  showDoor();
  screens.resetIdle();
}

// The person leaves a flow waiting on them: the service ends it.
export function endFlow(op) {
  if (op && op.waiting && REOPENABLE[op.status]) ask("POST", `${recordPath(op)}/end`);
}

function finish(kind, pair, apiBody) {
  const op = state.op;
  op.waiting = false;  // the page stays "busy" until it is back home, so a scan cannot open a door unseen
  showDetail("");
  hideWhere();
  if (!pair) showApiMessage(apiBody, "error");
  else if (kind === "error") showKioskError(pair);
  else showMessage(kind, pair);
  if (kind === "success") say(op.kind === "dropoff" ? "stored" : "collected", "done");
  else say("error", "error");
  showRetry(kind !== "success" && op.kind !== "scan");
  screens.resetIdle();
}

export function showRetry(shown, pair = T.try_again) {
  bilingual($("btn-retry"), pair);
  $("btn-retry").hidden = !shown;
}

// "Back to start" while a door is (being) opened warns first; a second tap leaves.
export function backToStart() {
  const op = state.op;
  if (!op || !op.waiting || !WAITING.has(op.status) || op.leaving) return screens.goHome();
  op.leaving = true;
  showDetail(tr("leave_warning", { c: op.compartment }), true);
}
