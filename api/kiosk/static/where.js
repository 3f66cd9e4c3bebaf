// Where the open compartment is: the cabinet's front drawn from its layout (the places the
// console's grid uses, from /api/v1/kiosk/layout) with the compartment lit, and its row and
// column in words.

import { $, ask, bilingual, body, state, tr } from "./page.js";
import { T, fill } from "./text.js";

export async function loadLayout() {
  if (state.layout) return;
  const result = await ask("GET", "/api/v1/kiosk/layout");
  if (result && result.status === 200 && result.body) state.layout = result.body;
}

export function showWhere(label) {
  const place = state.layout && state.layout.compartments.find((c) => c.label === label);
  if (!place) {
    hideWhere();
    loadLayout();  // not loaded yet (the service was away): the next door screen has it
    return;
  }
  const vars = { c: label, r: String(place.row), k: String(place.column) };
  drawCabinet(state.layout, label);
  bilingual($("where-words"), fill(T.where, vars));
  $("cabinet").setAttribute("aria-label", tr("cabinet_picture", vars));
  $("where").hidden = false;
  body.dataset.where = "shown";
}

export function hideWhere() {
  $("where").hidden = true;
  delete body.dataset.where;
}

function drawCabinet(layout, lit) {
  const cabinet = $("cabinet");
  if (cabinet.dataset.lit === lit) return;
  cabinet.style.gridTemplateRows = `repeat(${layout.rows}, minmax(0, 1fr))`;
  cabinet.style.gridTemplateColumns = `repeat(${layout.columns}, minmax(0, 1fr))`;
  cabinet.style.setProperty("--columns", String(layout.columns));
  cabinet.replaceChildren(...layout.compartments.map((place) => cell(place, place.label === lit)));
  cabinet.dataset.lit = lit;
}

function cell(place, lit) {
  const door = document.createElement("div");
  door.className = lit ? "cell lit" : "cell";
  door.dataset.testid = lit ? "cabinet-lit" : "cabinet-cell";
  door.dataset.label = place.label;
  door.style.gridRow = String(place.row);
  door.style.gridColumn = String(place.column);
  door.textContent = place.label;
  return door;
}
