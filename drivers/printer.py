"""An ESC/POS thermal receipt printer on a serial, USB or network port.

python-escpos composes the job (a raster image ``GS v 0``, an optional line of
plain ASCII text, a cut); this module carries the bytes and asks the printer how it
is with the real-time status request ``DLE EOT n`` before and after each job. The
printer's URL says where it is:

* ``tcp://HOST:PORT``: a network printer's raw port (usually 9100);
* ``usb://VID:PID`` (hexadecimal): a USB printer through python-escpos (needs pyusb);
* ``/dev/usb/lpN``: the kernel's USB printer device;
* any other pyserial URL: ``/dev/ttyUSB0``, ``socket://H:P``, ``rfc2217://...``, or
  the simulator's in-process ``locksim://NAME``.

Every failure is a :class:`~drivers.errors.PrinterError`: :class:`PrinterOffline`
(no connection, no answer, the printer reports itself offline) or
:class:`PrinterOutOfPaper`.
"""

from __future__ import annotations

import copy
import os
import select
import time
from typing import Any, Protocol

import serial
from escpos.printer import Dummy
from PIL import Image

from .errors import PrinterError, PrinterOffline, PrinterOutOfPaper
from .printer_setup import USB_URL, WIDTH_DOTS, check_url

DLE_EOT = b"\x10\x04"
#: DLE EOT n: 1 printer, 2 offline cause, 4 paper roll sensor.
PRINTER, OFFLINE_CAUSE, PAPER = 1, 2, 4
#: Bits every status byte has (bit 1 and bit 4 set, bits 0 and 7 clear).
FIXED_MASK, FIXED_BITS = 0x93, 0x12
OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04
PAPER_END_BITS = 0x60


class Port(Protocol):
    def write(self, data: bytes) -> Any: ...
    def read(self, size: int) -> bytes: ...
    def close(self) -> None: ...


def compose(image: Image.Image, *, text: str = "") -> bytes:
    """The ESC/POS bytes of one receipt: initialise, the image as raster, ``text`` (ASCII), feed and cut."""
    job = Dummy()
    profile = copy.deepcopy(job.profile.profile_data)
    profile["media"]["width"]["pixels"] = image.width  # escpos prints a warning when it is unknown
    job.profile.profile_data = profile
    job.hw("INIT")
    job.image(image, impl="bitImageRaster", center=False)
    if text:
        job.text(text.encode("ascii", "replace").decode("ascii") + "\n")
    job.cut()
    return job.output


class ThermalPrinter:
    """One printer; each call opens the port, does its work and closes it again.

    >>> ThermalPrinter("tcp://127.0.0.1:9", width_mm=80).width
    576
    """

    def __init__(self, url: str, *, width_mm: int = 58, baudrate: int = 19200, timeout: float = 2.0,
                 read_status: bool = True) -> None:
        problem = check_url(url)
        if problem:
            raise PrinterError(f"printer URL {url!r}: {problem}")
        if width_mm not in WIDTH_DOTS:
            raise PrinterError(f"paper is 58 or 80 mm wide, not {width_mm}")
        self.url = url
        self.width = WIDTH_DOTS[width_mm]
        self.baudrate = baudrate
        self.timeout = timeout
        #: False for a port that cannot carry the printer's answers: jobs are sent unchecked.
        self.read_status = read_status

    def check(self) -> None:
        """Raise unless the printer answers that it is online with paper (or, without
        ``read_status``, unless its port opens)."""
        port = self._open()
        try:
            self._check(port)
        finally:
            port.close()

    def print_image(self, image: Image.Image, *, text: str = "") -> None:
        """Print ``image`` (as wide as the paper), then ``text``, and cut; raise if it could not."""
        if image.width != self.width:
            raise PrinterError(f"the image is {image.width} dots wide; the paper takes {self.width}")
        port = self._open()
        try:
            self._check(port)
            try:
                port.write(compose(image, text=text))
            except (OSError, serial.SerialException) as exc:
                raise PrinterOffline(f"printer {self.url}: writing failed: {exc}") from None
            self._check(port)
        finally:
            port.close()

    def _check(self, port: Port) -> None:
        if not self.read_status:
            return
        paper = self._status(port, PAPER)
        if paper & PAPER_END_BITS:
            raise PrinterOutOfPaper(f"printer {self.url} is out of paper")
        if self._status(port, PRINTER) & OFFLINE_BIT:
            cause = self._status(port, OFFLINE_CAUSE)
            what = "its cover is open" if cause & COVER_OPEN_BIT else "it reports itself offline"
            raise PrinterOffline(f"printer {self.url}: {what}")

    def _status(self, port: Port, which: int) -> int:
        try:
            port.write(DLE_EOT + bytes([which]))
            answer = port.read(1)
        except (OSError, serial.SerialException) as exc:
            raise PrinterOffline(f"printer {self.url}: {exc}") from None
        if not answer:
            raise PrinterOffline(f"printer {self.url} did not answer its status request")
        if answer[0] & FIXED_MASK != FIXED_BITS:
            raise PrinterError(f"printer {self.url}: unexpected status byte {answer[0]:#04x}")
        return answer[0]

    def _open(self) -> Port:
        try:
            if self.url.startswith("usb://"):
                return _UsbPort(self.url, self.timeout)
            if self.url.startswith("/dev/usb/lp"):
                return _DevicePort(self.url, self.timeout)
            url = "socket://" + self.url[len("tcp://"):] if self.url.startswith("tcp://") else self.url
            port = serial.serial_for_url(url, baudrate=self.baudrate, timeout=self.timeout,
                                         write_timeout=self.timeout)
            port.reset_input_buffer()
            return port
        except (OSError, serial.SerialException, ValueError) as exc:
            raise PrinterOffline(f"printer {self.url} cannot be reached: {exc}") from None


class _DevicePort:
    """The kernel's USB printer device (``/dev/usb/lpN``): writes, and reads with a timeout."""

    def __init__(self, path: str, timeout: float) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self._timeout = timeout

    def write(self, data: bytes) -> int:
        view, deadline = memoryview(data), time.monotonic() + self._timeout * 10
        while view:
            _, ready, _ = select.select([], [self._fd], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise OSError("the printer takes no more data")
            view = view[os.write(self._fd, view):]
        return len(data)

    def read(self, size: int) -> bytes:
        ready, _, _ = select.select([self._fd], [], [], self._timeout)
        return os.read(self._fd, size) if ready else b""

    def close(self) -> None:
        os.close(self._fd)


class _UsbPort:
    """A USB printer through python-escpos's ``Usb`` (pyusb and libusb must be installed)."""

    def __init__(self, url: str, timeout: float) -> None:
        from escpos.printer import Usb

        vendor, product = (int(part, 16) for part in USB_URL.fullmatch(url).groups())  # type: ignore[union-attr]
        try:
            self._printer = Usb(vendor, product, timeout=int(timeout * 1000))
            self._printer.open()
        except Exception as exc:  # noqa: BLE001 - pyusb missing, no device, no permission
            raise PrinterOffline(f"USB printer {url} cannot be opened (is pyusb installed?): {exc}") from None

    def write(self, data: bytes) -> int:
        self._printer._raw(data)
        return len(data)

    def read(self, size: int) -> bytes:
        try:
            return bytes(self._printer._read())[:size]
        except Exception:  # noqa: BLE001 - a read timeout is no answer
            return b""

    def close(self) -> None:
        self._printer.close()
