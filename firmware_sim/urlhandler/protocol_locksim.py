"""pyserial port ``locksim://NAME``: a simulated device in the same process.

The device must be registered with :func:`firmware_sim.inprocess.register_line`
(the simulator does that in ``serve_bus("inprocess")``). Read timeouts behave as
on a real port: None blocks until ``size`` bytes came, 0 returns what is there.
A port whose device was unplugged (``Simulator.fault("unplug")``) raises
``SerialException`` on every use, like a vanished USB device.
"""

from __future__ import annotations

import numbers
import threading
import time
import urllib.parse

from serial.serialutil import PortNotOpenError, SerialBase, SerialException, to_bytes

from firmware_sim.inprocess import lookup_line


class Serial(SerialBase):
    """A pyserial port connected to a simulated device registered under NAME.

    >>> from firmware_sim.scanner import SimScanner
    >>> from firmware_sim.inprocess import InProcessTransport
    >>> scanner = SimScanner()
    >>> transport = InProcessTransport(scanner)
    >>> port = Serial(transport.url, timeout=1)
    >>> _ = scanner.scan("HS-001")
    >>> port.read(8)
    b'HS-001\\r\\n'
    >>> port.close(); transport.close()
    """

    BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)

    def __init__(self, *args, **kwargs) -> None:
        self._buffer = bytearray()
        self._arrived = threading.Condition()
        self._endpoint = None
        self._cancelled = False
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        endpoint = lookup_line(self.from_url(self.port))
        if endpoint is None:
            raise SerialException(f"no simulated device is registered as {self.port!r}")
        self._reconfigure_port()
        with self._arrived:
            self._buffer.clear()
        self._endpoint = endpoint
        self.is_open = True
        endpoint.attach(self._deliver)

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            self._endpoint.detach(self._deliver)
            with self._arrived:
                self._arrived.notify_all()
        super().close()

    def from_url(self, url: str) -> str:
        """The device name in ``locksim://NAME``."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "locksim" or not parts.netloc:
            raise SerialException(f"expected a URL like locksim://NAME, got {url!r}")
        return parts.netloc

    def _reconfigure_port(self) -> None:
        if not isinstance(self._baudrate, numbers.Integral) or not 0 < self._baudrate < 2 ** 32:
            raise ValueError(f"invalid baudrate: {self._baudrate!r}")

    def _deliver(self, data: bytes) -> None:
        with self._arrived:
            self._buffer += data
            self._arrived.notify_all()

    @property
    def in_waiting(self) -> int:
        self._check_open()
        with self._arrived:
            return len(self._buffer)

    def read(self, size: int = 1) -> bytes:
        self._check_open()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        with self._arrived:
            self._cancelled = False
            while len(self._buffer) < size and self.is_open and not self._cancelled and not self._vanished():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._arrived.wait(remaining)
            if self._vanished():
                raise SerialException("the simulated device was unplugged")
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
        return data

    def write(self, data) -> int:
        self._check_open()
        payload = to_bytes(data)
        self._endpoint.receive(payload)
        return len(payload)

    def reset_input_buffer(self) -> None:
        self._check_open()
        with self._arrived:
            self._buffer.clear()

    def reset_output_buffer(self) -> None:
        self._check_open()

    def cancel_read(self) -> None:
        with self._arrived:
            self._cancelled = True
            self._arrived.notify_all()

    @property
    def out_waiting(self) -> int:
        self._check_open()
        return 0

    def _update_break_state(self) -> None:
        """A simulated line has no break condition."""

    def _update_rts_state(self) -> None:
        """RTS has no meaning on the simulated line."""

    def _update_dtr_state(self) -> None:
        """DTR has no meaning on the simulated line."""

    @property
    def cts(self) -> bool:
        self._check_open()
        return True

    @property
    def dsr(self) -> bool:
        self._check_open()
        return True

    @property
    def ri(self) -> bool:
        self._check_open()
        return False

    @property
    def cd(self) -> bool:
        self._check_open()
        return True

    def _vanished(self) -> bool:
        """Whether the device was unplugged since this port opened (see ``inprocess._Plug``)."""
        return getattr(self._endpoint, "vanished", False)

    def _check_open(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()
        if self._vanished():
            raise SerialException("the simulated device was unplugged")
