// The satisfaction screen after a finished drop-off or pickup: five large faces, optional comment
// chips, "Send" and "Skip". Skipping (or leaving it alone) sends nothing, unless a face was
// tapped: then that rating is sent as the screen times out.

import { $, ask, bilingual, hideMessage, recordPath, screens, showDetail, showMessage, state } from "./page.js";
import { T } from "./text.js";

export const RATING_MS = 30 * 1000;
const THANKS_MS = 2500;
const FINISHED = new Set(["stored", "collected"]);
// The keys the service knows (locker.ratings.CHIPS), in its order.
const CHIPS = ["quick", "easy", "clear", "slow", "confusing", "door", "receipt", "help"];
const FACES = [1, 2, 3, 4, 5];
const COLOURS = { 1: "#b00020", 2: "#e0611a", 3: "#c99a00", 4: "#5c9e1f", 5: "#005a2b" };
// The mouth's curve for each score: a frown at 1, a wide smile at 5.
const MOUTH = { 1: -14, 2: -7, 3: 0, 4: 8, 5: 15 };

// Called before the start screen: a finished drop-off or pickup is first offered its rating
// screen (true: it is shown). Leaving the rating screen sends a face tapped but not sent yet.
export function offerRating(op) {
  if (state.screen === "rating") {
    if (op && op.rating && op.rating.score && !op.rating.sent) send(op);
    return false;
  }
  if (!op || op.rating || !["dropoff", "pickup"].includes(op.kind) || !FINISHED.has(op.status)) return false;
  op.rating = { score: 0, chips: new Set(), sent: false };
  build();
  hideMessage();
  showDetail("");
  screens.show("rating");
  return true;
}

function build() {
  const screen = $("screen-rating");
  if (screen.childElementCount) return reset();
  const title = element("h2", "bi", "rating-title");
  bilingual(title, T.rating_question);
  const faces = element("div", "faces", "rating-faces");
  faces.setAttribute("role", "radiogroup");
  for (const score of FACES) faces.append(faceButton(score));
  const prompt = element("p", "bi chips-prompt", "rating-chips-prompt");
  bilingual(prompt, T.rating_chips_prompt);
  const chips = element("div", "chips", "rating-chips");
  for (const key of CHIPS) chips.append(chipButton(key));
  const actions = element("div", "actions");
  actions.append(button("rating-skip", "big neutral bi", T.rating_skip, skip),
    button("rating-send", "big primary bi", T.rating_send, () => send(state.op, true)));
  screen.append(title, faces, prompt, chips, actions);
  reset();
}

function reset() {
  for (const face of document.querySelectorAll("#screen-rating .face")) face.setAttribute("aria-checked", "false");
  for (const chip of document.querySelectorAll("#screen-rating .chip")) chip.setAttribute("aria-pressed", "false");
  $("rating-chips-prompt").hidden = true;
  $("rating-chips").hidden = true;
  $("rating-send").disabled = true;
  $("rating-skip").disabled = false;
}

function faceButton(score) {
  const face = button(`face-${score}`, "face bi", T[`rating_face_${score}`], () => choose(score));
  face.setAttribute("role", "radio");
  face.dataset.score = String(score);
  face.prepend(faceDrawing(score));
  return face;
}

function faceDrawing(score) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 100 100");
  svg.setAttribute("aria-hidden", "true");
  const curve = MOUTH[score];
  svg.innerHTML = `<circle cx="50" cy="50" r="46" fill="${COLOURS[score]}"/>`
    + '<circle cx="34" cy="38" r="7" fill="#fff"/><circle cx="66" cy="38" r="7" fill="#fff"/>'
    + `<path d="M28 ${68 - curve / 2} Q50 ${68 + curve * 1.5} 72 ${68 - curve / 2}" stroke="#fff" `
    + 'stroke-width="7" fill="none" stroke-linecap="round"/>';
  return svg;
}

function chipButton(key) {
  const chip = button(`chip-${key}`, "chip bi", T[`rating_chip_${key}`], () => toggle(chip, key));
  chip.setAttribute("aria-pressed", "false");
  return chip;
}

function choose(score) {
  const rating = state.op && state.op.rating;
  if (!rating || rating.sent) return;
  rating.score = score;
  for (const face of document.querySelectorAll("#screen-rating .face")) {
    face.setAttribute("aria-checked", String(face.dataset.score === String(score)));
  }
  $("rating-chips-prompt").hidden = false;
  $("rating-chips").hidden = false;
  $("rating-send").disabled = false;
}

function toggle(chip, key) {
  const rating = state.op && state.op.rating;
  if (!rating || rating.sent) return;
  if (rating.chips.has(key)) rating.chips.delete(key);
  else rating.chips.add(key);
  chip.setAttribute("aria-pressed", String(rating.chips.has(key)));
}

function skip() {
  screens.goHome();
}

// Send the rating (nothing is retried: the citizen is never kept waiting for it); ``thank``: say
// thank you for a moment before the start screen.
function send(op, thank = false) {
  const rating = op && op.rating;
  if (!rating || !rating.score || rating.sent) return;
  rating.sent = true;
  ask("POST", `${recordPath(op)}/rating`, { score: rating.score, chips: CHIPS.filter((k) => rating.chips.has(k)) });
  if (!thank) return;
  $("rating-send").disabled = true;
  $("rating-skip").disabled = true;
  showMessage("success", T.rating_thanks);
  setTimeout(() => { if (state.op === op && state.screen === "rating") screens.goHome(); }, THANKS_MS);
}

function element(tag, className, testid) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (testid) {
    el.id = testid;
    el.dataset.testid = testid;
  }
  return el;
}

function button(testid, className, pair, onClick) {
  const el = element("button", className, testid);
  el.type = "button";
  bilingual(el, pair);
  el.addEventListener("click", onClick);
  return el;
}
