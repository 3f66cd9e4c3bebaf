"""drivers.gpio.CabinetIO and drivers.gpio_locks.RelayLockBus against gpiozero's MockFactory."""

from __future__ import annotations

import doctest
import threading
import time

import pytest
from gpiozero import Button
from gpiozero.pins.mock import MockFactory, MockPin

import drivers.errors
import drivers.gpio
import drivers.gpio_locks
from drivers.errors import DriverError, GpioError
from drivers.events import BoardOnline, LatchChanged, UnlockDone
from drivers.gpio import CabinetIO, InputChanged
from drivers.gpio_locks import RelayLockBus
from tests.support.net import wait_for

RELAYS = (20, 21, 22)
SWITCHES = (5, 6, 13)


@pytest.fixture
def factory():
    return MockFactory()


@pytest.fixture
def heard():
    return []


def cabinet(factory, heard, pins, **options):
    io = CabinetIO(pins, listener=heard.append, pin_factory=factory, **options)
    return io


# ---- inputs ------------------------------------------------------------------------------


def test_an_input_is_reported_once_it_has_settled(factory, heard):
    io = cabinet(factory, heard, {"tamper": {"pin": 4, "bounce_time": 0.05}})
    try:
        pin = factory.pin(4)
        pin.drive_low(); pin.drive_high(); pin.drive_low()   # contact bounce
        assert heard == []                                   # not yet settled
        assert wait_for(lambda: heard)
        assert heard == [InputChanged("tamper", True)]
        assert io.inputs() == {"tamper": True}
    finally:
        io.close()


def test_a_glitch_shorter_than_the_bounce_time_is_ignored(factory, heard):
    io = cabinet(factory, heard, {"presence": {"pin": 4, "bounce_time": 0.05}})
    try:
        factory.pin(4).drive_low()
        factory.pin(4).drive_high()
        time.sleep(0.15)
        assert heard == [] and io.inputs() == {"presence": False}
    finally:
        io.close()


def test_wiring_options_decide_what_active_means(factory, heard):
    pins = {
        # a reed switch held closed by the shut service door: open door = pin pulled up = active
        "service_door": {"pin": 4, "invert": True, "bounce_time": 0},
        # the UPS relay contact pulls the pin to 3.3 V when mains fails
        "power_fail": {"pin": 17, "pull_up": False, "bounce_time": 0},
        # the UPS gives a logic output, low when the battery is low
        "battery_low": {"pin": 27, "pull_up": None, "active_state": False, "bounce_time": 0},
    }
    factory.pin(27).drive_high()
    io = cabinet(factory, heard, pins)
    try:
        assert io.inputs() == {"service_door": True, "power_fail": False, "battery_low": False}
        factory.pin(4).drive_low()
        factory.pin(17).drive_high()
        factory.pin(27).drive_low()
        assert wait_for(lambda: len(heard) == 3)
        assert set(heard) == {InputChanged("service_door", False), InputChanged("power_fail", True),
                              InputChanged("battery_low", True)}
    finally:
        io.close()


def test_a_failing_listener_does_not_stop_reporting(factory):
    calls = []

    def listener(event):
        calls.append(event)
        raise RuntimeError("boom")

    io = CabinetIO({"tamper": {"pin": 4, "bounce_time": 0}}, listener=listener, pin_factory=factory)
    try:
        factory.pin(4).drive_low()
        assert wait_for(lambda: len(calls) == 1)
        factory.pin(4).drive_high()
        assert wait_for(lambda: len(calls) == 2)
        assert calls[-1] == InputChanged("tamper", False)
    finally:
        io.close()


# ---- outputs -----------------------------------------------------------------------------


def test_the_tower_lights_read_back_from_the_pins(factory, heard):
    io = cabinet(factory, heard, {"led_green": 5, "led_amber": 6, "led_red": {"pin": 13, "active_high": False}})
    try:
        assert [factory.pin(n).state for n in (5, 6, 13)] == [False, False, True]   # red is active low
        io.show("ready")
        assert [factory.pin(n).state for n in (5, 6, 13)] == [True, False, True]
        io.set_tower(amber=True, red=True)
        assert [factory.pin(n).state for n in (5, 6, 13)] == [False, True, False]
        assert io.tower() == {"green": False, "amber": True, "red": True, "blink": False}
        assert io.outputs() == {"led_green": False, "led_amber": True, "led_red": True}
    finally:
        io.close()


def test_a_blinking_light_turns_on_and_off(factory, heard):
    io = cabinet(factory, heard, {"led_red": 13}, blink_time=0.01)
    try:
        io.show("alarm")
        pin = factory.pin(13)
        assert wait_for(lambda: sum(1 for s in pin.states if s.state) >= 3)
        assert any(not s.state for s in pin.states[1:])
        io.show("off")
        assert pin.state is False
    finally:
        io.close()


def test_the_buzzer_beeps_the_asked_number_of_times(factory, heard):
    io = cabinet(factory, heard, {"buzzer": 19}, beep_time=0.01)
    try:
        pin = factory.pin(19)
        io.buzz("on")
        assert pin.state is True
        io.buzz("off")
        assert pin.state is False
        pin.clear_states()
        io.buzz("beep", times=3)
        assert wait_for(lambda: [s.state for s in pin.states].count(False) == 4)
        assert [s.state for s in pin.states] == [False, True, False, True, False, True, False]
    finally:
        io.close()


def test_commands_for_missing_outputs_do_nothing_and_bad_commands_are_refused(factory, heard):
    io = cabinet(factory, heard, {"tamper": 4})
    try:
        io.show("alarm")
        io.buzz("beep", times=2)
        assert io.outputs() == {}
        for bad in (lambda: io.show("party"), lambda: io.buzz("melody"), lambda: io.buzz("beep", times=0),
                    lambda: io.set_tower(green="yes")):
            with pytest.raises(ValueError):
                bad()
    finally:
        io.close()


# ---- configuration errors ----------------------------------------------------------------


@pytest.mark.parametrize("pins, setting, words", [
    ({"doorbell": 4}, "gpio.doorbell", "not a GPIO setting"),
    ({"tamper": 99}, "gpio.tamper.pin", "not a pin"),
    ({"tamper": "GPIO99"}, "gpio.tamper.pin", "not a pin"),
    ({"tamper": True}, "gpio.tamper.pin", "GPIO number"),
    ({"tamper": {"pull_up": True}}, "gpio.tamper.pin", "missing"),
    ({"tamper": {"pin": 4, "pul_up": True}}, "gpio.tamper.pul_up", "unknown key"),
    ({"tamper": {"pin": 4, "pull_up": None}}, "gpio.tamper.active_state", "active_state"),
    ({"tamper": {"pin": 4, "bounce_time": -1}}, "gpio.tamper.bounce_time", "bounce_time"),
    ({"led_red": {"pin": 13, "active_high": "no"}}, "gpio.led_red.active_high", "active_high"),
    ({"tamper": 17, "buzzer": "BOARD11"}, "gpio.buzzer.pin", "already used by gpio.tamper"),
    ({"led_green": "3V3"}, "gpio.led_green.pin", "cannot use pin"),
])
def test_bad_pin_settings_name_the_setting(factory, pins, setting, words):
    with pytest.raises(GpioError) as caught:
        CabinetIO(pins, pin_factory=factory)
    assert caught.value.setting == setting
    assert words in str(caught.value) and setting.split(".")[1] in str(caught.value)
    assert isinstance(caught.value, DriverError)
    Button(17, pin_factory=factory).close()   # a failed start leaves no pin reserved
    Button(4, pin_factory=factory).close()


def test_close_releases_every_pin_and_turns_outputs_off(factory, heard):
    io = cabinet(factory, heard, {"tamper": 4, "led_green": 5, "buzzer": 19})
    io.show("ready")
    io.buzz("on")
    io.close()
    io.close()
    assert factory.pin(5).state is False and factory.pin(19).state is False
    for pin in (4, 5, 19):
        Button(pin, pin_factory=factory).close()


def test_without_a_pi_the_default_factory_fails_clearly(monkeypatch):
    from gpiozero import Device

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(_no_factory))
    with pytest.raises(GpioError, match="MockFactory"):
        CabinetIO({"tamper": 4})


def _no_factory():
    from gpiozero.exc import BadPinFactory

    raise BadPinFactory("Unable to load any default pin factory!")


# ---- relay locks -------------------------------------------------------------------------


class RecordingPin(MockPin):
    """Logs every output level change, in order, across all pins of the factory."""

    log: list = []
    guard = threading.Lock()

    def _change_state(self, value):
        with self.guard:
            changed = super()._change_state(value)
            if changed and self._function == "output":
                self.log.append((self.info.name, bool(value)))
            return changed


@pytest.fixture
def recording_factory():
    RecordingPin.log = []
    return MockFactory(pin_class=RecordingPin)


def relay_bus(factory, heard, **options):
    locks = [{"relay": r, "switch": s, "bounce_time": 0} for r, s in zip(RELAYS, SWITCHES)]
    options = {"pulse_time": 0.03, "open_timeout": 0.4, "pulse_gap": 0.02, "resend_after": 0.05, **options}
    return RelayLockBus(locks=locks, listener=heard.append, pin_factory=factory, **options)


def shut_all(factory):
    for switch in SWITCHES:
        factory.pin(switch).drive_low()


def shut_relay_bus(factory, heard, **options):
    """A relay bus (not started) once it has read every door shut."""
    bus = relay_bus(factory, heard, **options)
    shut_all(factory)
    assert wait_for(lambda: all(bus.statuses()[0].latched))
    return bus


def spring_open_on_pulse(factory, relay, switch):
    """A watcher thread: the door opens as soon as its relay is energised."""
    def watch():
        try:
            wait_for(lambda: factory.pin(relay).state, timeout=2)
        except AssertionError:
            return  # never energised: the door stays shut
        factory.pin(switch).drive_high()
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_relay_bus_reports_the_board_and_every_latch_at_start(factory, heard):
    bus = shut_relay_bus(factory, heard)
    bus.start()
    try:
        assert heard == [BoardOnline(0)] + [LatchChanged(0, n, True) for n in (1, 2, 3)]
        status = bus.read_all(timeout=1)[0]
        assert status.latched == (True, True, True) and status.items == (False, False, False)
        assert bus.online(0) and not bus.online(1)
    finally:
        bus.stop()


def test_an_unlock_whose_door_opens_is_released(factory, heard):
    bus = shut_relay_bus(factory, heard)
    bus.start()
    try:
        spring_open_on_pulse(factory, RELAYS[1], SWITCHES[1])
        assert bus.unlock(0, 2).result(timeout=2) == "released"
        assert heard[-2:] == [LatchChanged(0, 2, False), UnlockDone(0, 2, "released")]
        assert wait_for(lambda: not factory.pin(RELAYS[1]).state)     # the pulse ends
        assert bus.stats()[0]["pulses"] == 1 and bus.stats()[0]["retries"] == 0
    finally:
        bus.stop()


def test_a_door_that_stays_shut_is_jammed_after_one_resend(factory, heard):
    bus = shut_relay_bus(factory, heard)
    bus.start()
    try:
        started = time.monotonic()
        assert bus.unlock(0, 1).result(timeout=2) == "jammed"
        assert time.monotonic() - started >= 0.4
        assert heard[-1] == UnlockDone(0, 1, "jammed")
        assert bus.stats()[0]["pulses"] == 2 and bus.stats()[0]["retries"] == 1
        assert factory.pin(RELAYS[0]).state is False
    finally:
        bus.stop()


def test_two_relays_are_never_energised_at_once(recording_factory, heard):
    bus = relay_bus(recording_factory, heard)
    shut_all(recording_factory)
    wait_for(lambda: all(bus.statuses()[0].latched))
    bus.start()
    try:
        for relay, switch in zip(RELAYS, SWITCHES):
            spring_open_on_pulse(recording_factory, relay, switch)
        futures = [bus.unlock(0, n) for n in (1, 2, 3, 1)]
        assert [f.result(timeout=3) for f in futures] == ["released"] * 4
    finally:
        bus.stop()
    relays = {f"GPIO{n}" for n in RELAYS}
    energised: set[str] = set()
    pulses = 0
    for name, level in RecordingPin.log:
        if name not in relays:
            continue
        if level:
            assert not energised, f"{name} energised while {energised} still on"
            energised.add(name)
            pulses += 1
        else:
            energised.discard(name)
    assert pulses == 4 and not energised


def test_an_already_open_door_is_still_pulsed_and_released(factory, heard):
    bus = relay_bus(factory, heard)
    bus.start()                      # switches float high: every door reads open
    try:
        assert bus.unlock(0, 3).result(timeout=1) == "released"
        assert bus.stats()[0]["pulses"] == 1
    finally:
        bus.stop()


def test_stopping_ends_pending_unlocks_as_unknown_and_releases_the_pins(factory, heard):
    bus = shut_relay_bus(factory, heard, open_timeout=5)
    bus.start()
    pending = [bus.unlock(0, 1), bus.unlock(0, 2)]
    assert wait_for(lambda: factory.pin(RELAYS[0]).state)
    bus.stop()
    assert [f.result(timeout=1) for f in pending] == ["unknown", "unknown"]
    assert all(factory.pin(r).state is False for r in RELAYS)
    with pytest.raises(DriverError):
        bus.unlock(0, 1)
    with pytest.raises(DriverError):
        bus.read_all(timeout=0.1)
    Button(SWITCHES[0], pin_factory=factory).close()
    bus.start()                       # a stopped bus starts again on the same pins
    bus.stop()


@pytest.mark.parametrize("board, lock", [(1, 1), (0, 0), (0, 4), (True, 1), ("0", 1), (0, 1.0)])
def test_unlocks_of_unknown_locks_are_refused(factory, heard, board, lock):
    bus = relay_bus(factory, heard)
    bus.start()
    try:
        with pytest.raises(ValueError):
            bus.unlock(board, lock)
        assert bus.stats()[0]["pulses"] == 0
    finally:
        bus.stop()


@pytest.mark.parametrize("locks, setting", [
    ([], "gpio.relay_lock"),
    ([{"relay": 20}], "gpio.relay_lock[1]"),
    ([{"relay": 20, "switch": 21}, {"relay": 21, "switch": 22}], "gpio.relay_lock[2].relay.pin"),
    ([{"relay": 20, "switch": 21, "colour": 1}], "gpio.relay_lock[1].colour"),
    ([{"relay": 20, "switch": 99}], "gpio.relay_lock[1].switch.pin"),
    ("20,21", "gpio.relay_lock"),
])
def test_bad_relay_lock_settings_name_the_setting(factory, locks, setting):
    with pytest.raises(GpioError) as caught:
        RelayLockBus(locks=locks, listener=lambda event: None, pin_factory=factory)
    assert caught.value.setting == setting
    Button(20, pin_factory=factory).close()


def test_the_docstring_examples_run():
    for module in (drivers.gpio, drivers.gpio_locks, drivers.errors):
        assert doctest.testmod(module).failed == 0
