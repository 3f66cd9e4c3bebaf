"""The Kerong CU16 pulse-time command: its frames, its setting and what the driver accepts."""

from __future__ import annotations

import pytest

from api.hardware import DriverLockBus
from drivers.bus import LockBusDriver
from drivers.kerong import KerongFrameDecoder
from drivers.protocol import get_protocol
from locker.config import config_from_dict
from locker.errors import ConfigError
from tests.support.kerong import pulse_frame


def test_board_0_500_ms_is_50_units_with_the_sum_checksum():
    frame = get_protocol("kerong-cu16").setup_frames(0, pulse_ms=500)
    assert frame == [bytes([0x02, 0x00, 0x37, 0x00, 0x32, 0x03, (0x02 + 0x37 + 0x32 + 0x03) & 0xFF])]
    assert frame[0].hex(" ") == "02 00 37 00 32 03 6e"


@pytest.mark.parametrize("board, pulse_ms, units", [
    (1, 1000, 100), (15, 10, 1), (9, 2560, 256), (3, 655350, 0xFFFF),
    (0, 504, 50), (0, 505, 51), (0, 15, 2), (0, 25, 3),  # rounded to the nearest 10 ms, halves up
])
def test_pulse_time_frames_follow_the_protocol(board, pulse_ms, units):
    frame = get_protocol("kerong-cu16").setup_frames(board, pulse_ms=pulse_ms)[0]
    assert frame == pulse_frame(board, units)
    assert len(frame) == 7 and frame[1] == board << 4
    assert KerongFrameDecoder().feed(b"\xff" + frame) == [frame]


@pytest.mark.parametrize("pulse_ms", [0, 4, -10, 655355, 10**9, 500.0, True, "500"])
def test_pulse_times_the_command_cannot_carry_are_refused(pulse_ms):
    with pytest.raises(ValueError):
        get_protocol("kerong-cu16").setup_frames(0, pulse_ms=pulse_ms)


@pytest.mark.parametrize("family", ["kerong-cu48", "8a", "winnsen"])
def test_other_families_have_no_setup_frames(family):
    protocol = get_protocol(family)
    assert protocol.sets_pulse_time is False
    assert protocol.setup_frames(protocol.board_addresses[0], pulse_ms=500) == []


def test_no_pulse_time_means_no_setup_frame():
    assert get_protocol("kerong-cu16").setup_frames(0) == []


def bus_config(bus: dict | list, env: dict | None = None):
    return config_from_dict({"bus": bus}, env=env or {})


def test_set_pulse_time_is_off_by_default():
    assert bus_config({"url": "loop://"}).bus.set_pulse_time is False


def test_set_pulse_time_on_a_kerong_cu16_bus():
    cfg = bus_config({"url": "loop://", "set_pulse_time": True, "pulse_ms": 1000})
    assert cfg.bus.set_pulse_time is True and cfg.bus.pulse_ms == 1000
    assert bus_config({"url": "loop://"}, env={"LOCKER_BUS_SET_PULSE_TIME": "yes"}).bus.set_pulse_time is True


@pytest.mark.parametrize("family", ["kerong-cu48", "8a", "winnsen", "gpio-relay"])
def test_set_pulse_time_on_a_family_without_the_command_names_the_key(family):
    with pytest.raises(ConfigError) as caught:
        bus_config({"url": "loop://", "protocol": family, "set_pulse_time": True})
    assert caught.value.key == "bus.set_pulse_time"


def test_the_error_names_the_bus_among_several():
    with pytest.raises(ConfigError) as caught:
        bus_config([{"name": "a", "url": "loop://", "set_pulse_time": True},
                    {"name": "b", "url": "loop://", "protocol": "8a", "set_pulse_time": True}])
    assert caught.value.key == "bus[1].set_pulse_time"


@pytest.mark.parametrize("pulse_ms", [5, 655351, 10**7])
def test_pulse_ms_must_fit_the_command_when_it_is_sent(pulse_ms):
    with pytest.raises(ConfigError) as caught:
        bus_config({"url": "loop://", "set_pulse_time": True, "pulse_ms": pulse_ms})
    assert caught.value.key == "bus.pulse_ms"
    assert bus_config({"url": "loop://", "pulse_ms": pulse_ms}).bus.pulse_ms == pulse_ms


def test_set_pulse_time_must_be_a_boolean():
    with pytest.raises(ConfigError) as caught:
        bus_config({"url": "loop://", "set_pulse_time": "sometimes"})
    assert caught.value.key == "bus.set_pulse_time"


def test_the_service_passes_the_setting_to_the_driver():
    def driver_of(bus: dict) -> LockBusDriver:
        return DriverLockBus(bus_config(bus).bus, boards=(0,), sink=lambda event: None).driver

    assert driver_of({"url": "loop://", "set_pulse_time": True, "pulse_ms": 700}).pulse_ms_on_board == 700
    assert driver_of({"url": "loop://", "pulse_ms": 700}).pulse_ms_on_board is None


@pytest.mark.parametrize("family, options", [("8a", {}), ("kerong-cu48", {}), ("winnsen", {})])
def test_the_driver_refuses_pulse_time_for_families_without_the_command(family, options):
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", protocol=family, boards=[1], listener=lambda e: None,
                      pulse_ms_on_board=500, **options)


@pytest.mark.parametrize("pulse_ms", [0, 700000])
def test_the_driver_refuses_pulse_times_the_command_cannot_carry(pulse_ms):
    with pytest.raises(ValueError):
        LockBusDriver(url="loop://", boards=[0], listener=lambda e: None, pulse_ms_on_board=pulse_ms)
