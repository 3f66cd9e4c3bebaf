"""A receipt as one black-and-white image the width of the paper.

Thermal printers' code pages lack most Vietnamese letters with diacritics, so the
text is drawn with a TrueType font that covers them (Noto Sans or DejaVu Sans,
at its Debian path, else found through fontconfig's ``fc-match``) and sent as a raster image; a QR code follows the text.

>>> image = render([("Biên nhận", "title"), ("Ngăn A07", "text")], qr="HS-1", width=384)
>>> image.mode, image.width, image.height > 192
('1', 384, True)
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Iterable

import qrcode
from PIL import Image, ImageDraw, ImageFont

from .errors import PrinterError
from .printer_setup import WIDTH_DOTS

#: Font size in dots by line style, for 384 dots across (scaled for wider paper).
SIZES = {"title": 30, "subtitle": 20, "big": 30, "text": 24, "small": 20}
MARGIN = 8
LINE_GAP = 6
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
KNOWN_BOLD = (
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
#: Letters a font must draw for a Vietnamese receipt.
VIETNAMESE_SAMPLE = "ẠặễỗựđĐ"


@functools.cache
def find_font(bold: bool = False) -> str:
    """The path of a TrueType font that covers Vietnamese; :class:`PrinterError` if there is none."""
    known = list(KNOWN_BOLD if bold else ()) + list(KNOWN_FONTS)
    for path in known:
        if _usable(path):
            return path
    for family in ("Noto Sans:lang=vi", "DejaVu Sans"):
        path = _fc_match(family + (":bold" if bold else ""))
        if _usable(path):
            return path
    raise PrinterError("no font covering Vietnamese was found for receipts: install fonts-noto-core or "
                       "fonts-dejavu-core (Debian)")


def _usable(path: str) -> bool:
    return bool(path) and os.path.isfile(path) and path.endswith((".ttf", ".otf")) and _covers_vietnamese(path)


def _fc_match(pattern: str) -> str:
    if shutil.which("fc-match") is None:
        return ""
    try:
        done = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=5,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _covers_vietnamese(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 20)
    except OSError:
        return False
    notdef = font.getmask("\uffff").getbbox()
    return all(font.getmask(ch).getbbox() not in (None, notdef) for ch in VIETNAMESE_SAMPLE)


def _font(style: str, width: int) -> ImageFont.FreeTypeFont:
    size = SIZES.get(style, SIZES["text"]) * width // WIDTH_DOTS[58]
    return ImageFont.truetype(find_font(bold=style in ("title", "big")), size)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` dots (a long word is cut)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        while len(word) > 1 and font.getlength(word) > width:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


def render(lines: Iterable[tuple[str, str]], *, qr: str | None, width: int) -> Image.Image:
    """``(text, style)`` lines (``title``, ``subtitle``, ``big``, ``text``, ``small``), centred titles, then the QR of ``qr``: a mode ``1`` image ``width`` dots wide."""
    if width not in WIDTH_DOTS.values():
        raise PrinterError(f"a receipt is {' or '.join(map(str, WIDTH_DOTS.values()))} dots wide, not {width}")
    rows: list[tuple[str, ImageFont.FreeTypeFont, bool]] = []
    for text, style in lines:
        font = _font(style, width)
        rows += [(part, font, style in ("title", "subtitle")) for part in wrap(text, font, width - 2 * MARGIN)]
    code = _qr_image(qr, width) if qr else None
    height = MARGIN + sum(_line_height(font) for _, font, _ in rows) + MARGIN
    height += (code.height + MARGIN) if code is not None else 0
    image = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for text, font, centred in rows:
        x = (width - font.getlength(text)) // 2 if centred else MARGIN
        draw.text((x, y), text, font=font, fill=0)
        y += _line_height(font)
    if code is not None:
        image.paste(code, ((width - code.width) // 2, y))
    return image


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent + LINE_GAP


def _qr_image(data: str, width: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    modules = code.modules_count + 4
    box = max(2, (width // 2) // modules)
    return code.make_image().get_image().convert("1").resize((modules * box, modules * box), Image.NEAREST)
