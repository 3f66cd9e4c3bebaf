"""Screenshots of pages for docs/console and docs/kiosk, taken on demand (``LOCKER_SCREENSHOTS=docs/console``,
``KIOSK_SCREENSHOTS=docs/kiosk``)."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

#: docs/console keeps each screenshot under this size.
MAX_BYTES = 150_000


def shoot(page, name: str, *, env: str = "LOCKER_SCREENSHOTS") -> Path | None:
    """Save ``page`` as ``<name>.png`` in the folder ``$<env>`` names (nothing without it), reduced
    to a palette of colours when the full-colour file is too big."""
    folder = os.environ.get(env)
    if not folder:
        return None
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    if path.stat().st_size > MAX_BYTES:
        with Image.open(path) as image:
            reduced = image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        reduced.save(path, optimize=True)
    return path
