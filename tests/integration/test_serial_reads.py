"""Serial readers take what is waiting in one call, not one byte per call."""

from __future__ import annotations

from drivers.kerong import KerongFrameDecoder
from drivers.line import SerialLine
from tests.support.kerong import frame
from tests.support.serial_port import FakeSerialPort

STATUS_REQUEST = frame(0x02, 0x00, 0x30, 0x03)


def _line(port: FakeSerialPort) -> SerialLine:
    line = SerialLine(url="fake://bus", baudrate=19200, read_timeout=0.01, silence=0.002,
                      serial_for_url=port.open_for)
    assert line.open()
    return line


def test_a_nine_byte_board_answer_takes_at_most_a_few_reads():
    port = FakeSerialPort(boards=(0,))
    line = _line(port)
    line.settle()
    before = port.read_calls
    exchange = line.transact(STATUS_REQUEST, decoder=KerongFrameDecoder(), parse=lambda f: f, timeout=0.2)
    assert exchange.answer is not None and len(exchange.answer) == 9
    assert port.read_calls - before <= 3


def test_a_scanned_code_waiting_on_the_line_is_read_in_one_call():
    port = FakeSerialPort()
    line = _line(port)
    port.feed(b"HS-0001234\r\n")
    before = port.read_calls
    assert line.read() == b"HS-0001234\r\n"
    assert port.read_calls - before == 1


def test_an_answer_waiting_before_the_request_is_not_taken_for_its_answer():
    # A board's answer that came later than every wait (a "slow" board) sits in the input
    # buffer; the next read of that board must get the board's own, fresh answer.
    port = FakeSerialPort(boards=(0,))
    line = _line(port)
    line.settle()
    port.boards[0].latched[3] = False  # the fresh state: lock 4 released
    stale = frame(0x02, 0x00, 0x35, 0xFF, 0xFF, 0x00, 0x00, 0x03)  # every latch engaged: the old state
    port.feed(stale)
    exchange = line.transact(STATUS_REQUEST, decoder=KerongFrameDecoder(), parse=lambda f: f, timeout=0.2)
    assert exchange.answer is not None and exchange.answer != stale
    assert exchange.answer == port.boards[0].status(0)
