// Sound: a short cue (door open, error, done) and the spoken prompt of each step, in the page's
// language. The files are made ahead of time (`make sounds`, api/kiosk/sounds.py) and shipped in
// static/sound/. A kiosk without a speaker stays silent: a refused play() is swallowed.

import { $, state } from "./page.js";
import { access } from "./access.js";

const BASE = new URL("./sound/", import.meta.url);
// The steps that have a spoken prompt (sound/<step>.<vi|en>.ogg) and the cues (sound/cue_<name>.ogg).
export const PROMPTS = ["home", "form_dropoff", "form_pickup", "opening", "door_dropoff", "door_pickup", "stored",
  "collected", "reopen_dropoff", "reopen_pickup", "error"];
export const CUES = ["door_open", "error", "done"];

let spoken = "";  // the step whose prompt was last given, to say again in the other language

const promptUrl = (step) => new URL(`${step}.${state.lang === "en" ? "en" : "vi"}.ogg`, BASE).href;

function play(audio) {
  if (access.muted || !audio.src) return;
  try {
    audio.currentTime = 0;
    const playing = audio.play();
    if (playing) playing.catch(() => {});
  } catch (err) {
    // no audio output here: the screen says everything
  }
}

// The prompt of ``step``, after ``cue`` when one is given.
export function say(step, cue) {
  spoken = step;
  const voice = $("voice");
  const cueAudio = $("cue");
  stopSound();
  voice.src = promptUrl(step);
  voice.dataset.step = step;
  if (!cue) return play(voice);
  cueAudio.src = new URL(`cue_${cue}.ogg`, BASE).href;
  cueAudio.dataset.cue = cue;
  cueAudio.onended = () => play(voice);
  cueAudio.onerror = () => play(voice);
  play(cueAudio);
}

// The language changed: the same prompt, in the new language.
export function sayAgain() {
  if (spoken) say(spoken);
}

export function stopSound() {
  for (const audio of [$("cue"), $("voice")]) {
    audio.onended = null;
    audio.pause();
  }
}

// Back at the start screen: nothing to say until someone comes.
export function forgetSound() {
  stopSound();
  spoken = "";
}
