"""docs/RELIABILITY.md's fault matrix is the table the end-to-end test runs."""

from pathlib import Path

from tests.reliability.fault_matrix import FLOWS, KINDS, STEPS, doc_table, expected, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "RELIABILITY.md"


def test_the_document_shows_the_table_the_test_runs():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("<!-- fault-matrix:begin -->\n", 1)[1].split("\n<!-- fault-matrix:end -->", 1)[0]
    assert section == doc_table(), "run: python -m tests.reliability.fault_matrix --doc"


def test_every_fault_kind_of_the_simulator_at_every_step_of_every_flow():
    from firmware_sim.faults import KINDS as SIM_KINDS, PLUG_KINDS
    ending = {"replug", "power_restore", "clear"}
    assert set(KINDS) == set(SIM_KINDS) - ending and set(PLUG_KINDS) - ending <= set(KINDS)
    assert len(table()) == len(KINDS) * len(STEPS) * len(FLOWS) == len({row[:3] for row in table()})
    assert all(expected(kind, step, flow) for kind, step, flow, _ in table())
