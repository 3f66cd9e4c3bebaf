"""Scanner command sets and decoders (drivers.scanner_models) and the simulated
scanner firmware (firmware_sim.scanner_models), with bytes alone."""

from __future__ import annotations

import random

import pytest

from drivers.scanner_models import (
    MODELS,
    DatalogicModel,
    HoneywellModel,
    NewlandModel,
    SSIDecoder,
    get_model,
    ssi_checksum,
    ssi_packet,
)
from firmware_sim.scanner_models import SIM_MODELS


def checksum_by_rule(body: bytes) -> bytes:
    """Two's complement of the 16-bit byte sum, high byte first (PROTOCOLS.md)."""
    total = 0
    for byte in body:
        total += byte
    value = (0x10000 - total % 0x10000) % 0x10000
    return bytes([value >> 8, value & 0xFF])


# ---- the published SSI frames, recomputed ----------------------------------------------

PUBLISHED_SSI = {
    "START_DECODE": ("04 E4 04 00 FF 14", "trigger_command"),
    "STOP_DECODE": ("04 E5 04 00 FF 13", "release_command"),
    "SCAN_ENABLE": ("04 E9 04 00 FF 0F", "enable_command"),
    "SCAN_DISABLE": ("04 EA 04 00 FF 0E", "disable_command"),
}


@pytest.mark.parametrize("name", PUBLISHED_SSI)
def test_published_ssi_frames_follow_the_checksum_rule(name):
    published, method = PUBLISHED_SSI[name]
    frame = bytes.fromhex(published)
    assert frame[0] == len(frame) - 2
    assert checksum_by_rule(frame[:-2]) == frame[-2:]
    assert getattr(get_model("zebra-ssi"), method)() == frame


def test_ssi_ack_and_nak_frames():
    assert ssi_packet(0xD0) == bytes.fromhex("04 D0 04 00") + checksum_by_rule(bytes.fromhex("04 D0 04 00"))
    nak = ssi_packet(0xD1, b"\x01")
    assert nak[:5] == bytes.fromhex("05 D1 04 00 01") and nak[5:] == checksum_by_rule(nak[:5])
    for size in (0, 1, 100, 251):
        body = bytes([4 + size, 0xF3, 0, 0]) + bytes(range(size % 256))[:size]
        assert ssi_checksum(body) == checksum_by_rule(body)
    with pytest.raises(ValueError):
        ssi_packet(0xF3, bytes(252))


# ---- commands of every model ------------------------------------------------------------

def test_line_model_has_no_commands():
    model = get_model("line")
    commands = (model.enable_command(), model.disable_command(), model.trigger_command(),
                model.release_command())
    assert commands == (None, None, None, None)
    assert model.enable_sequence() == [] and model.disable_sequence() == []


def test_honeywell_commands():
    model = get_model("honeywell")
    assert model.enable_command() == bytes.fromhex("16 4D 0D") + b"TRGMOD3!"
    assert model.disable_command() == bytes.fromhex("16 4D 0D") + b"TRGMOD0!"
    assert model.trigger_command() == bytes.fromhex("16 54 0D")
    assert model.release_command() == bytes.fromhex("16 55 0D")
    assert model.enable_sequence() == [model.enable_command()]
    saved = HoneywellModel(storage=".", enable_setting="TRGMOD8")
    assert saved.enable_command() == b"\x16M\rTRGMOD8."
    triggered = HoneywellModel(trigger=True)
    assert triggered.enable_sequence() == [b"\x16M\rTRGMOD0!", b"\x16T\r"]
    assert triggered.disable_sequence() == [b"\x16U\r", b"\x16M\rTRGMOD0!"]


def test_newland_commands():
    head, tail = bytes.fromhex("7E 01 30 30 30 30"), bytes.fromhex("3B 03")
    model = get_model("newland")
    assert model.trigger_command() == head + b"#SCNTRG1" + tail
    assert model.release_command() == head + b"#SCNTRG0" + tail
    assert model.enable_command() == head + b"#SCNMOD2" + tail
    assert model.disable_command() == head + b"#SCNMOD0" + tail
    assert NewlandModel(storage="@").enable_command() == head + b"@SCNMOD2" + tail
    assert NewlandModel(trigger=True).enable_sequence() == [head + b"#SCNMOD0" + tail, head + b"#SCNTRG1" + tail]


def test_datalogic_commands():
    model = get_model("datalogic")
    assert (model.enable_command(), model.disable_command(), model.trigger_command(),
            model.release_command()) == (b"E", b"D", b"T", b"X")
    assert DatalogicModel(trigger=True).enable_sequence() == [b"E", b"T"]
    assert DatalogicModel().disable_sequence() == [b"D"]


def test_zebra_trigger_sequences():
    model = get_model("zebra-ssi", trigger=True)
    assert model.enable_sequence() == [bytes.fromhex("04 E9 04 00 FF 0F"), bytes.fromhex("04 E4 04 00 FF 14")]
    assert model.disable_sequence() == [bytes.fromhex("04 E5 04 00 FF 13"), bytes.fromhex("04 EA 04 00 FF 0E")]


@pytest.mark.parametrize("bad", [
    lambda: get_model("symbol"),
    lambda: HoneywellModel(storage="?"),
    lambda: HoneywellModel(enable_setting="TRG!"),
    lambda: NewlandModel(storage="!"),
    lambda: NewlandModel(enable_setting="scn;\x03"),
])
def test_bad_model_options_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


def test_every_model_is_known_to_driver_and_simulator():
    assert set(MODELS) == set(SIM_MODELS) == {"line", "honeywell", "zebra-ssi", "newland", "datalogic"}


# ---- line decoders ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["line", "honeywell", "newland", "datalogic"])
def test_line_models_decode_every_line_ending(name):
    decoder = get_model(name).decoder()
    assert decoder.feed(b"A1\rB2\nC3\r\nH\xe1\xbb\x93 s\xc6\xa1\r\n").codes == ["A1", "B2", "C3", "Hồ sơ"]


def test_honeywell_menu_replies_are_not_codes():
    decoder = get_model("honeywell").decoder()
    chunks = [b"TRGMOD3\x06", b"!HS-1\r", b"\n\x16M\rTRGMOD9\x15!", b"XYZABC\x05.HS-2\r\n"]
    codes = [code for chunk in chunks for code in decoder.feed(chunk).codes]
    assert codes == ["HS-1", "HS-2"]
    assert decoder.counts["acks"] == 1 and decoder.counts["naks"] == 2
    assert decoder.counts["replies"] == 4  # three replies and one echoed prefix


def test_newland_replies_are_not_codes_and_stray_etx_is_garbage():
    decoder = get_model("newland").decoder()
    reply = b"\x02\x010000#SCNTRG1\x06;\x03"
    assert decoder.feed(reply[:5]).codes == []
    assert decoder.feed(reply[5:] + b"HS-7\r\n").codes == ["HS-7"]
    assert decoder.feed(b"\x02\x010000#BOGUS\x15;\x03noise\x03QR\n").codes == ["QR"]
    assert decoder.counts == {"replies": 2, "acks": 1, "naks": 1, "garbage": 1}


def test_stale_partial_line_is_dropped():
    decoder = get_model("line").decoder()
    assert decoder.feed(b"\x00\xff\xfegarb").codes == []
    assert decoder.drop_partial() is True
    assert decoder.feed(b"HS-9\r\n").codes == ["HS-9"]
    assert decoder.counts["garbage"] == 1
    assert decoder.drop_partial() is False


# ---- SSI decoder ------------------------------------------------------------------------

def decode_packet(data: bytes, status: int = 0) -> bytes:
    return ssi_packet(0xF3, data, source=0x00, status=status)


ACK = bytes.fromhex("04 D0 04 00 FF 28")


def test_ssi_decode_data_gives_the_code_after_the_type_byte_and_an_ack():
    decoder = SSIDecoder()
    decoded = decoder.feed(decode_packet(b"\x1c" + "Hồ sơ 1".encode()))
    assert decoded.codes == ["Hồ sơ 1"]
    assert decoded.answer == ACK


def test_ssi_packets_split_anywhere_and_noise_between_them():
    stream = b"\xff\x13\x00" + decode_packet(b"\x1cA-1") + b"\x07\x01" + decode_packet(b"\x03B-2")
    decoder = SSIDecoder()
    codes, answers = [], b""
    for i in range(len(stream)):
        decoded = decoder.feed(stream[i:i + 1])
        codes += decoded.codes
        answers += decoded.answer
    assert codes == ["A-1", "B-2"]
    assert answers == ACK * 2
    assert decoder.counts["garbage"] >= 1


def test_ssi_multipacket_code_and_retransmission():
    decoder = SSIDecoder()
    first, last = b"\x1c" + b"X" * 250, b"\x1cY"
    assert decoder.feed(decode_packet(first, status=0x02)).codes == []
    assert decoder.feed(decode_packet(first, status=0x03)).answer == ACK  # our ACK was lost
    decoded = decoder.feed(decode_packet(last))
    assert decoded.codes == ["X" * 250 + "Y"]


def test_ssi_acks_naks_and_events_from_the_scanner():
    decoder = SSIDecoder()
    stream = ssi_packet(0xD0, source=0) + ssi_packet(0xD1, b"\x01", source=0) + ssi_packet(0xF6, b"\x01", source=0)
    decoded = decoder.feed(stream)
    assert decoded.codes == [] and decoded.answer == ACK  # the event is acknowledged
    assert (decoder.counts["acks"], decoder.counts["naks"], decoder.counts["replies"]) == (1, 1, 1)


def test_ssi_bad_checksum_decode_packet_is_nakked():
    decoder = SSIDecoder()
    packet = bytearray(decode_packet(b"\x1cHS-1"))
    packet[-1] ^= 0xFF
    decoded = decoder.feed(bytes(packet))
    assert decoded.codes == []
    assert decoded.answer == bytes.fromhex("05 D1 04 00 01") + checksum_by_rule(bytes.fromhex("05 D1 04 00 01"))
    assert decoder.counts["bad_checksum"] == 1
    assert decoder.feed(decode_packet(b"\x1cHS-1", status=0x01)).codes == ["HS-1"]


def test_ssi_random_noise_never_raises_and_memory_stays_bounded():
    rng = random.Random(7)
    decoder = SSIDecoder(max_buffer=512)
    for _ in range(300):
        decoder.feed(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))))
        assert len(decoder._buffer) <= 512
    decoder.drop_partial()
    assert decoder.feed(decode_packet(b"\x1cOK")).codes == ["OK"]


@pytest.mark.parametrize("name", ["line", "honeywell", "newland", "datalogic", "zebra-ssi"])
def test_random_noise_never_raises_in_any_decoder(name):
    rng = random.Random(name)
    decoder = get_model(name).decoder()
    for _ in range(200):
        decoded = decoder.feed(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))))
        assert all(isinstance(code, str) for code in decoded.codes)


# ---- the simulated firmware -------------------------------------------------------------

def sim(name: str, **options):
    return SIM_MODELS[name](suffix=b"\r\n", **options)


def test_sim_models_power_up_reading():
    for name in SIM_MODELS:
        assert sim(name).reading(), name
        assert sim(name).state()["mode"] == "presentation"


def test_sim_line_ignores_host_bytes():
    model = sim("line")
    assert model.receive(b"D\x16M\rTRGMOD0!") == b""
    assert model.reading() and model.encode("A") == b"A\r\n"


def test_sim_honeywell_menu_trigger_and_release():
    model = sim("honeywell")
    assert model.receive(b"\x16M\rTRG") == b""
    assert model.receive(b"MOD0!") == b"TRGMOD0\x06!"
    assert not model.reading()
    assert model.receive(b"\x16T\r") == b"" and model.reading()
    model.encode("once")
    assert not model.reading()  # one read per trigger
    assert model.receive(b"\x16M\rTRGMOD7.\x16M\rBEPBEP1!") == b"TRGMOD7\x15.BEPBEP1\x05!"
    assert model.receive(b"\x16T\r\x16U\r") == b"" and not model.reading()
    assert model.receive(b"\x16M\rTRGMOD3!") == b"TRGMOD3\x06!" and model.reading()


def test_sim_newland_commands_and_replies():
    model = sim("newland")
    frame = bytes.fromhex("7E 01 30 30 30 30")
    assert model.receive(b"junk" + frame + b"#SCNMOD0;") == b""
    assert model.receive(b"\x03") == b"\x02\x010000#SCNMOD0\x06;\x03"
    assert not model.reading()
    assert model.receive(frame + b"#SCNTRG1;\x03") == b"\x02\x010000#SCNTRG1\x06;\x03"
    assert model.reading()
    assert model.receive(frame + b"@NOPE1;\x03") == b"\x02\x010000@NOPE1\x15;\x03"


def test_sim_datalogic_enable_and_trigger():
    model = sim("datalogic", trigger_mode=True)
    assert not model.reading()
    model.receive(b"T")
    assert model.reading()
    model.receive(b"X")
    assert not model.reading()
    model.receive(b"DT")
    assert not model.reading() and model.state()["enabled"] is False


def test_sim_zebra_packets_acks_and_resend():
    model = sim("zebra-ssi")
    sent = model.encode("HS-1")
    assert sent == decode_packet(b"\x1cHS-1")
    assert sent[-2:] == checksum_by_rule(sent[:-2])
    assert model.state()["awaiting_ack"] == 1
    resent = model.receive(ssi_packet(0xD1, b"\x01"))
    assert resent == decode_packet(b"\x1cHS-1", status=0x01)
    assert model.receive(ACK) == b"" and model.state()["awaiting_ack"] == 0
    reply = model.receive(bytes.fromhex("04 EA 04 00 FF 0E"))
    assert reply == bytes.fromhex("04 D0 00 00") + checksum_by_rule(bytes.fromhex("04 D0 00 00"))
    assert not model.reading()
    assert model.receive(bytes.fromhex("04 E9 04 00 FF 0E")) == b""  # bad checksum: ignored
    assert not model.reading()
    assert model.receive(ssi_packet(0xA3))[:2] == b"\x05\xd1"  # unknown to the simulator: NAK


def test_sim_zebra_long_code_is_multipacket():
    text = "Q" * 600
    packets = sim("zebra-ssi").encode(text)
    decoder = SSIDecoder()
    decoded = decoder.feed(packets)
    assert decoded.codes == [text]
    assert decoded.answer == ACK * 3
