"""The kiosk's sounds, made ahead of time and shipped in ``static/sound/`` (``make sounds``).

Each step's spoken prompt, in Vietnamese and English, is synthesised with espeak-ng (voices
``vi`` and ``en-gb``), and each short cue with sox; both are encoded as Ogg Opus at 24 kbit/s
with opusenc (about 0.5 MB in all). The kiosk
page (``static/sound.js``) names the files by step and cue; the sentences say what the screen
says, without the compartment's label (the screen and the cabinet's light show it).

Run ``python -m api.kiosk.sounds`` (Debian: ``apt-get install espeak-ng sox opus-tools``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..catalogs import N_, both_of

SOUND_DIR = Path(__file__).parent / "static" / "sound"
VOICES = {"vi": "vi", "en": "en-gb"}
#: Words per minute: slower than espeak-ng's 175, for people who hear poorly.
SPEED = 140

#: step -> (Vietnamese, English): what the kiosk says when the step's screen appears, from the
#: catalogs (``api/translations``; after changing a sentence there, run ``make sounds``).
PROMPTS: dict[str, tuple[str, str]] = both_of({
    "home": N_("Welcome. Tap Drop off a dossier, or Collect a "
               "result. You can also hold your QR code to the scanner."),
    "form_dropoff": N_("Type the dossier code from your receipt and your mobile "
                       "phone number, choose the size, then tap Open a compartment."),
    "form_pickup": N_("Type the dossier code and the eight digit pickup "
                      "code from your text message, then tap Open a compartment."),
    "opening": N_("Opening a compartment. Please wait."),
    "door_dropoff": N_("The compartment is open. Put your dossier in, then close the door."),
    "door_pickup": N_("The compartment is open. Take your result, then close the door."),
    "stored": N_("Your dossier has been received. Thank you."),
    "collected": N_("You have collected your result. Thank you."),
    "reopen_dropoff": N_("No dossier was seen in the compartment. If you "
                         "have not put it in yet, tap Open the compartment again."),
    "reopen_pickup": N_("Your result is still in the compartment. "
                        "Tap Open the compartment again to take it."),
    "error": N_("That did not work. Please read the "
                "instructions on the screen, or call the help line."),
})

#: cue -> sox ``synth`` arguments: rising two notes (door open), a low double buzz (error),
#: three rising notes (done).
CUES: dict[str, list[list[str]]] = {
    "door_open": [["0.15", "sine", "660"], ["0.25", "sine", "990"]],
    "error": [["0.18", "square", "220"], ["0.06", "sine", "0"], ["0.18", "square", "220"]],
    "done": [["0.12", "sine", "523"], ["0.12", "sine", "659"], ["0.3", "sine", "784"]],
}


def files() -> list[str]:
    """Every file the kiosk plays, by name."""
    return sorted([f"{step}.{lang}.ogg" for step in PROMPTS for lang in VOICES] + [f"cue_{c}.ogg" for c in CUES])


def _run(*command: str) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _encode(wav: Path, out: Path) -> None:
    _run("opusenc", "--quiet", "--bitrate", "24", "--serial", "1", wav.as_posix(), out.as_posix())


def make(folder: Path = SOUND_DIR) -> list[Path]:
    for tool in ("espeak-ng", "sox", "opusenc"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (Debian: apt-get install espeak-ng sox opus-tools)")
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for step, sentences in PROMPTS.items():
            for (lang, voice), text in zip(VOICES.items(), sentences):
                wav = work / f"{step}.{lang}.wav"
                _run("espeak-ng", "-v", voice, "-s", str(SPEED), "-w", wav.as_posix(), text)
                made.append(folder / f"{step}.{lang}.ogg")
                _encode(wav, made[-1])
        for cue, notes in CUES.items():
            parts = []
            for i, note in enumerate(notes):
                parts.append(work / f"{cue}{i}.wav")
                _run("sox", "-n", "-r", "24000", "-c", "1", "-b", "16", parts[-1].as_posix(), "synth", *note, "vol", "0.5",
                     "fade", "0.01", "0", "0.02")
            wav = work / f"cue_{cue}.wav"
            _run("sox", *(p.as_posix() for p in parts), "-b", "16", wav.as_posix())
            made.append(folder / f"cue_{cue}.ogg")
            _encode(wav, made[-1])
    return made


if __name__ == "__main__":
    for path in make(Path(sys.argv[1]) if len(sys.argv) > 1 else SOUND_DIR):
        print(path)
