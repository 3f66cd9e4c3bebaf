"""The kiosk's sound files: every prompt and cue sound.js plays is shipped (small Ogg Opus files)
and served, and every shipped file is played."""

from __future__ import annotations

import re
from pathlib import Path

from api.kiosk import sounds
from tests.unit.test_http_support import make_client

STATIC = Path(sounds.__file__).parent / "static"


def js_list(name: str) -> list[str]:
    source = (STATIC / "sound.js").read_text(encoding="utf-8")
    body = re.search(rf"export const {name} = \[(.*?)\];", source, re.S).group(1)
    return re.findall(r'"(\w+)"', body)


def test_sound_js_plays_exactly_the_prompts_and_cues_made():
    assert js_list("PROMPTS") == list(sounds.PROMPTS)
    assert js_list("CUES") == list(sounds.CUES)
    shipped = sorted(p.name for p in (STATIC / "sound").iterdir())
    assert shipped == sounds.files()


def test_every_sound_is_a_small_ogg_opus_file_served_to_the_kiosk(monkeypatch):
    c, _ = make_client(monkeypatch)
    for name in sounds.files():
        data = (STATIC / "sound" / name).read_bytes()
        assert data[:4] == b"OggS" and b"OpusHead" in data[:64], name
        assert 1_000 < len(data) < 60_000, name
        resp = c.get(f"/kiosk/static/sound/{name}")
        assert resp.status_code == 200 and resp.mimetype == "audio/ogg", name


def test_both_languages_say_every_step():
    for step, (vi, en) in sounds.PROMPTS.items():
        assert vi.strip() and en.strip() and vi != en, step
    assert any(ch in "ăâđêôơư" for ch in "".join(vi for vi, _ in sounds.PROMPTS.values()))
