"""What the kiosk's start screen says can start, and the help that comes with every citizen error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.kiosk.availability import availability, notices
from api.kiosk.guidance import NEXT_STEPS, contact, help_text

ONLINE = {"database": "ok", "power": "mains", "boards": {"0": "online", "1": "online"}}


def compartment(label: str, size: str, board: int, state: str = "free", *, bus: str = "main",
                door: str = "closed") -> dict:
    return {"label": label, "size": size, "bus": bus, "board": board, "lock": 1, "state": state, "door": door,
            "dossier_code": None}


CABINET = [compartment("A01", "S", 0), compartment("A02", "M", 0, "holding_result"),
           compartment("B01", "L", 1)]


def with_boards(**states: str) -> dict:
    return {**ONLINE, "boards": {board[1:]: state for board, state in states.items()}}


def test_a_working_cabinet_offers_both_flows_and_every_size():
    found = availability(ONLINE, CABINET, main_bus="main")
    assert found == {"dropoff": {"available": True, "reason": None, "sizes": {"S": None, "M": None, "L": None},
                                 "low": None},
                     "pickup": {"available": True, "reason": None}}
    assert notices(found) == []


def test_every_board_offline_is_a_hardware_problem_for_both_flows_never_a_full_cabinet():
    found = availability(with_boards(b0="offline", b1="offline"), CABINET, main_bus="main")
    assert found["dropoff"] == {"available": False, "reason": "hardware_unavailable",
                                "sizes": dict.fromkeys("SML", "hardware_unavailable"), "low": None}
    assert found["pickup"] == {"available": False, "reason": "hardware_unavailable"}
    said = notices(found)
    assert [n["flow"] for n in said] == ["dropoff", "pickup"]
    assert said[0]["vi"].startswith("Tủ đang gặp sự cố kỹ thuật") and "technical problem" in said[0]["en"]


def test_free_compartments_only_on_an_offline_board_are_a_hardware_problem():
    full_on_1 = [compartment("A01", "S", 0), compartment("B01", "L", 1, "holding_dropoff")]
    found = availability(with_boards(b0="offline", b1="online"), full_on_1, main_bus="main")
    assert found["dropoff"]["reason"] == "hardware_unavailable"
    assert found["pickup"]["available"] is True


def test_a_size_with_no_free_compartment_anywhere_is_full_while_smaller_ones_work():
    small_free_large_on_offline = [compartment("A01", "S", 0), compartment("B01", "M", 1, "holding_result"),
                                   compartment("B02", "L", 1)]
    found = availability(with_boards(b0="online", b1="offline"), small_free_large_on_offline, main_bus="main")
    assert found["dropoff"] == {"available": True, "reason": None,
                                "sizes": {"S": None, "M": "hardware_unavailable", "L": "hardware_unavailable"},
                                "low": None}
    only_small = [compartment("A01", "S", 0), compartment("B01", "L", 1, "holding_result")]
    found = availability(ONLINE, only_small, main_bus="main")
    assert found["dropoff"]["sizes"] == {"S": None, "M": "no_compartment", "L": "no_compartment"}


def test_a_full_cabinet_takes_no_dossier_but_hands_out_results():
    full = [compartment("A01", "S", 0, "holding_dropoff"), compartment("B01", "L", 1, "holding_result"),
            compartment("B02", "M", 1, door="open")]
    found = availability(ONLINE, full, main_bus="main")
    assert found["dropoff"]["reason"] == "no_compartment"
    assert found["pickup"]["available"] is True
    assert [n["en"] for n in notices(found)] == ["The cabinet is full and cannot take dossiers now."]


def test_on_battery_no_dossier_is_taken_but_results_are_handed_out():
    found = availability({**ONLINE, "power": "battery"}, CABINET, main_bus="main")
    assert found["dropoff"] == {"available": False, "reason": "on_battery",
                                "sizes": dict.fromkeys("SML", "on_battery"), "low": None}
    assert found["pickup"]["available"] is True


def test_a_database_failure_stops_both_flows():
    found = availability({**ONLINE, "database": "error"}, CABINET, main_bus="main")
    assert (found["dropoff"]["reason"], found["pickup"]["reason"]) == ("hardware_unavailable",) * 2


def test_boards_of_other_buses_are_named_bus_slash_board():
    side = [compartment("C01", "S", 0, bus="side")]
    assert availability({**ONLINE, "boards": {"0": "online", "side/0": "offline"}}, side,
                        main_bus="main")["dropoff"]["reason"] == "hardware_unavailable"
    assert availability({**ONLINE, "boards": {"0": "offline", "side/0": "online"}}, side,
                        main_bus="main")["dropoff"]["available"] is True


OFFICE = SimpleNamespace(name="Bộ phận Một cửa quận Hải Châu", hotline="0236 3822 000",
                         hours="Thứ Hai - Thứ Sáu, 7:30 - 17:00")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_error_says_what_to_do_next_and_names_the_help_line_and_hours(lang):
    for error in [*NEXT_STEPS, "not_found"]:
        said = help_text(error, OFFICE, lang)
        assert said.endswith(contact(OFFICE, lang)) and len(said) > len(contact(OFFICE, lang)) + 10
        assert OFFICE.hotline in said and OFFICE.hours in said and OFFICE.name in said
    assert help_text("invalid_credentials", OFFICE, lang) != help_text("no_compartment", OFFICE, lang)


def test_the_contact_leaves_out_what_the_office_did_not_configure():
    assert contact(SimpleNamespace(name="Một cửa", hotline="", hours=""), "en") == "Help: Một cửa."
    assert contact(SimpleNamespace(name="Một cửa", hotline="", hours="7:30 - 17:00"), "vi") == (
        "Hỗ trợ: Một cửa, giờ làm việc 7:30 - 17:00.")
