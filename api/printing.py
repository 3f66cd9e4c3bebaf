"""The receipt printer adapter: :class:`locker.ports.ReceiptPrinter` on :mod:`drivers.printer`.

The domain hands over a :class:`~locker.ports.Receipt`; this draws it as an image
(:mod:`drivers.receipt_image`), prints it, and turns the driver's errors into the
domain's print statuses.
"""

from __future__ import annotations

import logging

from drivers.errors import DriverError, PrinterOffline, PrinterOutOfPaper
from drivers.printer import ThermalPrinter
from drivers.receipt_image import find_font, render
from locker.config import PrinterConfig
from locker.errors import ConfigError
from locker.ports import PrintStatus, Receipt

log = logging.getLogger(__name__)


def caption(receipt: Receipt) -> str:
    """The line the printer writes in its own font under the image: the receipt number and the dossier code."""
    text = f"{receipt.number}  {receipt.dossier_code}"
    return text if text.isascii() else receipt.number


class ReceiptPrinterAdapter:
    """A thermal printer from ``[printer]``; a missing font stops the start, naming the section."""

    def __init__(self, config: PrinterConfig) -> None:
        try:
            find_font()
            find_font(bold=True)
            self.driver = ThermalPrinter(config.url, width_mm=config.width_mm, baudrate=config.baudrate,
                                         timeout=config.timeout_s, read_status=config.read_status)
        except DriverError as exc:
            raise ConfigError("printer", str(exc)) from None
        self.last_status: PrintStatus | None = None

    def print_receipt(self, receipt: Receipt) -> PrintStatus:
        try:
            image = render([(line.text, line.style) for line in receipt.lines], qr=receipt.qr,
                           width=self.driver.width)
            self.driver.print_image(image, text=caption(receipt))
        except DriverError as exc:
            log.warning("receipt %s not printed: %s", receipt.number, exc)
            self.last_status = to_status(exc)
        else:
            self.last_status = "ok"
        return self.last_status

    def status(self) -> PrintStatus:
        try:
            self.driver.check()
        except DriverError as exc:
            self.last_status = to_status(exc)
        else:
            self.last_status = "ok"
        return self.last_status


def to_status(exc: DriverError) -> PrintStatus:
    """A driver error as the domain's word.

    >>> to_status(PrinterOutOfPaper("x")), to_status(PrinterOffline("x")), to_status(DriverError("x"))
    ('out_of_paper', 'offline', 'error')
    """
    if isinstance(exc, PrinterOutOfPaper):
        return "out_of_paper"
    if isinstance(exc, PrinterOffline):
        return "offline"
    return "error"
