// Accessibility settings a citizen turns on with one tap, for their own transaction: larger text
// with high contrast, more time (every time-out doubled, see idle.js), sound off. Going back to
// the start screen turns them all off again for the next person.

import { $, bilingual } from "./page.js";
import { T } from "./text.js";

const html = document.documentElement;
export const access = { large: false, slow: false, muted: false };
// setting -> its button, and the words the button shows when the setting is off / on
const BUTTONS = {
  large: ["btn-large", T.access_large, T.access_large],
  slow: ["btn-slow", T.access_slow, T.access_slow],
  muted: ["btn-sound", T.sound_off, T.sound_on],
};
let changed = () => {};

// Time-outs are multiplied by this.
export const timeFactor = () => (access.slow ? 2 : 1);

function render() {
  html.classList.toggle("a11y-large", access.large);
  html.classList.toggle("a11y-slow", access.slow);
  html.classList.toggle("a11y-muted", access.muted);
  for (const [name, [id, off, on]] of Object.entries(BUTTONS)) {
    const button = $(id);
    bilingual(button, access[name] ? on : off);
    button.setAttribute("aria-pressed", String(access[name]));
  }
}

function toggle(name) {
  access[name] = !access[name];
  render();
  changed(name);
}

// More time, turned on by a "Yes" to "Need more time?" (idle.js): the same setting as the button.
export function allowMoreTime() {
  if (!access.slow) toggle("slow");
}

export function resetAccess() {
  Object.assign(access, { large: false, slow: false, muted: false });
  render();
}

// ``onChange(name)``: after a setting changed (the screens apply a new time-out, the sound stops).
export function wireAccess(onChange) {
  changed = onChange;
  for (const [name, [id]] of Object.entries(BUTTONS)) $(id).addEventListener("click", () => toggle(name));
  render();
}
