"""A simulated ESC/POS thermal receipt printer that keeps every receipt as a PNG.

It reads the bytes a printer driver sends (independent of :mod:`drivers`): raster
images (``GS v 0``), plain text (drawn with a built-in bitmap font), line feeds,
the cut that ends a receipt, and the real-time status request ``DLE EOT n``,
which it answers at once. Other commands are skipped by their known lengths.
Faults: ``out_of_paper`` (status says paper end, nothing is printed) and
``offline`` (no answer to anything, nothing printed); ``clear`` ends them.

>>> printer = SimPrinter(width=384)
>>> answers = []; printer.attach(answers.append)
>>> printer.receive(b"\\x1b@\\x10\\x04\\x04Hello\\n\\x1dV\\x00")
>>> answers, [r["text"] for r in printer.receipts()]
([b'\\x12'], ['Hello'])
>>> printer.fault("out_of_paper"); printer.receive(b"\\x10\\x04\\x04"); answers[-1]
b'r'
"""

from __future__ import annotations

import base64
import io
import threading
import time

from PIL import Image, ImageDraw, ImageFont

from .endpoint import Endpoint
from .errors import SimulatorError

PRINTER_FAULTS = ("out_of_paper", "offline", "clear")
KEEP = 100
ESC, GS, DLE, LF, CR = 0x1B, 0x1D, 0x10, 0x0A, 0x0D
#: Answers to DLE EOT 1, 2, 3, 4 while the printer is fine, and while it is out of paper.
STATUS_OK = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
STATUS_NO_PAPER = {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72}
#: ESC commands by the number of parameter bytes after the command byte.
ESC_ARGS = {ord("@"): 0, ord("2"): 0, ord("t"): 1, ord("d"): 1, ord("a"): 1, ord("E"): 1, ord("!"): 1,
            ord("3"): 1, ord("J"): 1, ord("-"): 1, ord("M"): 1, ord("G"): 1, ord("R"): 1, ord("{"): 1,
            ord("V"): 1, ord("p"): 3, ord("c"): 2}
GS_ARGS = {ord("!"): 1, ord("B"): 1, ord("h"): 1, ord("w"): 1, ord("H"): 1, ord("f"): 1, ord("L"): 2,
           ord("W"): 2}
LINE_DOTS = 30


class SimPrinter(Endpoint):
    """One thermal printer ``width`` dots across (384 for 58 mm paper, 576 for 80 mm)."""

    def __init__(self, *, width: int = 384) -> None:
        super().__init__()
        self.width = width
        self.fault_kind = ""
        self._buffer = bytearray()
        self._parts: list[Image.Image] = []
        self._text: list[str] = []
        self._line = bytearray()
        self._receipts: list[dict] = []
        self._count = 0
        self._mutex = threading.Lock()

    # ---- the outside world ----------------------------------------------------------

    def fault(self, kind: str) -> None:
        if kind not in PRINTER_FAULTS:
            raise SimulatorError(f"the printer's faults are {', '.join(PRINTER_FAULTS)}, not {kind!r}",
                                 code="unknown_fault", vi=f"lỗi của máy in là {', '.join(PRINTER_FAULTS)}")
        with self._mutex:
            self.fault_kind = "" if kind == "clear" else kind

    def receipts(self, after: int = 0) -> list[dict]:
        """``[{"n", "time", "png_base64", "text"}]``: the receipts printed, numbered from 1."""
        with self._mutex:
            return [r for r in self._receipts if r["n"] > after]

    def state(self) -> dict:
        with self._mutex:
            return {"fault": self.fault_kind or None, "printed": self._count, "width": self.width}

    # ---- bytes from the host --------------------------------------------------------

    def receive(self, data: bytes) -> None:
        answers = bytearray()
        with self._mutex:
            if self.fault_kind == "offline":
                return
            self._buffer += data
            while self._buffer:
                used = self._step(answers)
                if not used:
                    break
                del self._buffer[:used]
        if answers:
            self.send(bytes(answers))

    def _step(self, answers: bytearray) -> int:
        """Handle the command at the start of the buffer; its length, or 0 while incomplete."""
        buf = self._buffer
        first = buf[0]
        if first == DLE:
            if len(buf) < 3:
                return 0
            if buf[1] == 0x04:
                table = STATUS_NO_PAPER if self.fault_kind == "out_of_paper" else STATUS_OK
                answers.append(table.get(buf[2], 0x12))
            return 3
        if first == ESC:
            return self._esc(buf)
        if first == GS:
            return self._gs(buf)
        if first == LF:
            self._end_line()
        elif first >= 0x20 or first == CR:
            if first != CR:
                self._line.append(first)
        return 1

    def _esc(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        size = 2 + ESC_ARGS.get(buf[1], 0)
        if len(buf) < size:
            return 0
        if buf[1] == ord("@"):
            self._line.clear()
        elif buf[1] == ord("d"):
            self._end_line()
            self._feed(buf[2] * LINE_DOTS)
        elif buf[1] == ord("J"):
            self._feed(buf[2])
        return size

    def _gs(self, buf: bytearray) -> int:
        if len(buf) < 3:
            return 0
        command = buf[1]
        if command == ord("v"):
            return self._raster(buf)
        if command == ord("V"):
            size = 3 if buf[2] in (0, 1, 48, 49) else 4
            if len(buf) < size:
                return 0
            self._cut()
            return size
        if command in (ord("("), ord("8")):  # GS ( k pL pH ...: QR codes and other functions
            if len(buf) < 5:
                return 0
            size = 5 + buf[3] + 256 * buf[4]
            return size if len(buf) >= size else 0
        size = 2 + GS_ARGS.get(command, 1)
        return size if len(buf) >= size else 0

    def _raster(self, buf: bytearray) -> int:
        """``GS v 0 m xL xH yL yH`` and x*y bytes: one image, 8 dots a byte, 1 = black."""
        if len(buf) < 8:
            return 0
        row_bytes, rows = buf[4] + 256 * buf[5], buf[6] + 256 * buf[7]
        size = 8 + row_bytes * rows
        if len(buf) < size:
            return 0
        bits = bytes(b ^ 0xFF for b in buf[8:size])  # PIL mode "1": 1 is white
        if row_bytes and rows:
            self._end_line()
            self._parts.append(Image.frombytes("1", (row_bytes * 8, rows), bits))
        return size

    # ---- building the receipt -------------------------------------------------------

    def _end_line(self) -> None:
        if not self._line:
            return
        text = self._line.decode("ascii", "replace")
        self._line.clear()
        self._text.append(text)
        image = Image.new("1", (self.width, LINE_DOTS), 1)
        ImageDraw.Draw(image).text((4, 3), text, fill=0, font=_text_font())
        self._parts.append(image)

    def _feed(self, dots: int) -> None:
        if dots:
            self._parts.append(Image.new("1", (self.width, dots), 1))

    def _cut(self) -> None:
        self._end_line()
        parts, text = self._parts, self._text
        self._parts, self._text = [], []
        if self.fault_kind or not parts:
            return
        self._count += 1
        self._receipts.append({"n": self._count, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "png_base64": _png(parts, self.width), "text": "\n".join(text)})
        del self._receipts[:-KEEP]


def _text_font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """The printer's own font, about 12x24 dots like font A of a real printer."""
    try:
        return ImageFont.load_default(size=22)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _png(parts: list[Image.Image], width: int) -> str:
    paper = Image.new("1", (width, sum(p.height for p in parts)), 1)
    y = 0
    for part in parts:
        paper.paste(part.crop((0, 0, width, part.height)), (0, y))
        y += part.height
    out = io.BytesIO()
    paper.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")
