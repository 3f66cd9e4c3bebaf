"""The receipt as an image, the ESC/POS bytes the driver sends, read back by the
simulator's printer (in process, through the ``locksim://`` URL), and the
``[printer]`` configuration."""

from __future__ import annotations

import base64
import io

import pytest
import zxingcpp
from PIL import Image

from drivers import receipt_image
from drivers.errors import PrinterError, PrinterOffline, PrinterOutOfPaper
from drivers.printer import ThermalPrinter, compose
from drivers.receipt_image import render
from firmware_sim.inprocess import InProcessTransport
from firmware_sim.printer import SimPrinter
from locker.config import config_from_dict
from locker.errors import ConfigError

LINES = [("Bộ phận Một cửa phường Đông Hưng Thuận", "title"), ("BIÊN NHẬN GỬI HỒ SƠ", "title"),
         ("Drop-off receipt", "subtitle"), ("Mã hồ sơ / Dossier: H01.2025/77", "big"),
         ("Cán bộ sẽ xử lý hồ sơ và nhắn tin cho bạn khi có kết quả.", "text"), ("G-7", "small")]


def decoded(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]


def png(receipt: dict) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(receipt["png_base64"])))


@pytest.mark.parametrize(("width", "qr_side"), [(384, (160, 200)), (576, (240, 300))])
def test_a_receipt_is_as_wide_as_the_paper_with_a_readable_qr(width, qr_side):
    image = render(LINES, qr="H01.2025/77", width=width)
    assert image.mode == "1" and image.width == width
    assert decoded(image) == ["H01.2025/77"]
    without_qr = render(LINES, qr=None, width=width)
    assert qr_side[0] <= image.height - without_qr.height <= qr_side[1] + receipt_image.MARGIN
    assert render(LINES[:2], qr=None, width=width).height < without_qr.height


def test_long_text_wraps_inside_the_paper():
    font_width = render([("x", "text")], qr=None, width=384).height
    wrapped = render([("Cán bộ sẽ xử lý hồ sơ " * 6, "text")], qr=None, width=384)
    assert wrapped.height > 3 * (font_width - 2 * receipt_image.MARGIN)
    assert render([("W" * 80, "big")], qr=None, width=384).width == 384


def test_a_width_the_printer_does_not_have_is_refused():
    with pytest.raises(PrinterError, match="384 or 576"):
        render(LINES, qr=None, width=500)


def test_no_font_for_vietnamese_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(receipt_image, "KNOWN_FONTS", ())
    monkeypatch.setattr(receipt_image, "KNOWN_BOLD", ())
    monkeypatch.setattr(receipt_image, "_fc_match", lambda pattern: "")
    with pytest.raises(PrinterError, match="fonts-noto-core or fonts-dejavu-core"):
        receipt_image.find_font.__wrapped__()


def test_the_simulated_printer_reads_the_drivers_bytes_even_a_byte_at_a_time():
    image = render(LINES, qr="H01.2025/77", width=384)
    job = compose(image, text="G-7  H01.2025/77")
    assert job.startswith(b"\x1b@") and b"\x1dv0" in job and job.endswith(b"\x1dV\x00")
    printer, answers = SimPrinter(width=384), []
    printer.attach(answers.append)
    for byte in job:
        printer.receive(bytes([byte]))
    [receipt] = printer.receipts()
    assert (receipt["n"], receipt["text"]) == (1, "G-7  H01.2025/77")
    printed = png(receipt)
    assert printed.width == 384 and printed.height > image.height
    assert printed.crop((0, 0, 384, image.height)).tobytes() == image.tobytes()
    assert decoded(printed) == ["H01.2025/77"]
    assert answers == []


@pytest.fixture
def sim_printer():
    printer = SimPrinter(width=384)
    transport = InProcessTransport(printer, prefix="printer")
    yield printer, transport
    transport.close()


def test_the_driver_prints_through_a_port_and_asks_the_printer_first(sim_printer):
    printer, transport = sim_printer
    driver = ThermalPrinter(transport.url, width_mm=58, timeout=0.5)
    driver.check()
    driver.print_image(render(LINES, qr="H01.2025/77", width=384), text="G-7")
    assert [r["text"] for r in printer.receipts()] == ["G-7"]
    assert decoded(png(printer.receipts()[0])) == ["H01.2025/77"]
    with pytest.raises(PrinterError, match="576"):
        driver.print_image(render(LINES, qr=None, width=576))


def test_out_of_paper_and_offline_are_the_drivers_errors_and_nothing_prints(sim_printer):
    printer, transport = sim_printer
    driver = ThermalPrinter(transport.url, width_mm=58, timeout=0.2)
    printer.fault("out_of_paper")
    with pytest.raises(PrinterOutOfPaper):
        driver.print_image(render(LINES, qr="X", width=384))
    printer.fault("offline")
    with pytest.raises(PrinterOffline, match="did not answer"):
        driver.check()
    transport.unplug()
    with pytest.raises(PrinterOffline, match="cannot be reached"):
        driver.check()
    transport.replug()
    printer.fault("clear")
    driver.check()
    assert printer.receipts() == [] and printer.state() == {"fault": None, "printed": 0, "width": 384}


def test_without_status_reads_a_job_is_sent_unchecked(sim_printer):
    printer, transport = sim_printer
    printer.fault("offline")  # it answers nothing, as a one-way port would
    with pytest.raises(PrinterOffline):
        ThermalPrinter(transport.url, timeout=0.2).check()
    printer.fault("clear")
    one_way = ThermalPrinter(transport.url, timeout=0.2, read_status=False)
    one_way.check()
    one_way.print_image(render(LINES, qr="H01.2025/77", width=384), text="G-8")
    assert [r["text"] for r in printer.receipts()] == ["G-8"]
    transport.unplug()
    with pytest.raises(PrinterOffline):
        one_way.check()


def test_a_status_byte_that_is_no_status_is_an_error():
    printer = ThermalPrinter("loop://", timeout=0.2)  # pyserial's loopback echoes the request back
    with pytest.raises(PrinterError, match="unexpected status byte 0x10"):
        printer.check()


@pytest.mark.parametrize(("printer", "key"), [
    ({"url": "tcp://printer"}, "printer.url"),
    ({"url": "tcp://10.0.0.9:70000"}, "printer.url"),
    ({"url": "usb://epson"}, "printer.url"),
    ({"url": "COM3"}, "printer.url"),
    ({"url": "tcp://10.0.0.9:9100", "width_mm": 70}, "printer.width_mm"),
    ({"url": "/dev/ttyUSB0", "baudrate": 1234}, "printer.baudrate"),
    ({"url": "/dev/usb/lp0", "timeout_s": 0}, "printer.timeout_s"),
    ({"uri": "tcp://10.0.0.9:9100"}, "printer.uri"),
])
def test_printer_configuration_is_checked(printer, key):
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"printer": printer}, env={})
    assert caught.value.key == key


def test_printer_configuration_defaults_and_environment():
    assert config_from_dict({}, env={}).printer.url == ""
    cfg = config_from_dict({"printer": {"url": "usb://04b8:0e15"}},
                           env={"LOCKER_PRINTER_WIDTH_MM": "80"})
    assert (cfg.printer.url, cfg.printer.width_mm, cfg.printer.read_status) == ("usb://04b8:0e15", 80, True)
    assert config_from_dict({"printer": {"url": "/dev/usb/lp0", "read_status": False}}, env={}).printer.read_status \
        is False
