"""The fault matrix's table (docs/RELIABILITY.md): every fault kind of the simulator at
every step of every flow, the documented outcome of each cell, and the short form's
choice of batches. ``tests.reliability.fault_matrix`` runs it."""

from __future__ import annotations

#: Every fault kind of ``firmware_sim.faults`` (``replug``, ``power_restore`` and ``clear``
#: only end faults: here they are how a batch's fault ends).
KINDS = ("no_reply", "offline", "power_failure", "lost_reply", "slow", "bad_checksum", "junk", "drop_bytes",
         "jam", "unplug")
STEPS = ("before_unlock", "unlock_answer", "door_open", "item_sensing", "door_close")
FLOWS = ("dropoff", "result", "pickup", "collection", "maintenance")
#: Faults that silence the whole bus while they last.
SILENT_BUS = ("offline", "power_failure", "unplug")
# ---- the documented outcomes -----------------------------------------------------------

COMPLETES = "completes"
REFUSED = "refused (409/503), nothing pulsed"
OUT_OF_SERVICE = "fails: out of service + alarm, not pulsed again"
MOVED = "moves to another compartment; the jammed one out of service + alarm"
JAM_FAILS = "fails: out of service + alarm (credential still valid)"
MEANING = {
    COMPLETES: "the flow ends as without the fault (stored, ready, collected, closed), one unlock frame, "
               "no compartment out of service",
    OUT_OF_SERVICE: "the unlock's outcome is unknown (no answer, no read): never pulsed again; the "
                    "compartment is out of service with an alarm for a clerk; a drop-off or result is "
                    "failed or moved, a pickup code stays valid",
    MOVED: "the latch did not release (reads prove it): one resend, then jammed; a drop-off or result "
           "goes to another compartment",
    JAM_FAILS: "the latch did not release: one resend, then jammed; the operation fails, the "
               "compartment is out of service with an alarm; a pickup code stays valid",
}


def expected(kind: str, step: str, flow: str) -> str:
    """The documented outcome of ``kind`` injected at ``step`` of ``flow``."""
    if kind in SILENT_BUS and step == "before_unlock":
        return REFUSED
    if kind in ("no_reply", "offline", "power_failure") and step == "unlock_answer":
        return OUT_OF_SERVICE
    if kind == "jam" and step in ("before_unlock", "unlock_answer"):
        return MOVED if flow in ("dropoff", "result") else JAM_FAILS
    return COMPLETES


#: The short form run by ``make test``: every fault kind once, every step twice, every
#: flow in each batch; among them each documented outcome (a silent unlock answer, a
#: refusal, a jam before the pulse).
SHORT = (("no_reply", "unlock_answer"), ("offline", "before_unlock"), ("power_failure", "door_open"),
         ("lost_reply", "unlock_answer"), ("slow", "door_close"), ("bad_checksum", "item_sensing"),
         ("junk", "door_open"), ("drop_bytes", "door_close"), ("jam", "before_unlock"),
         ("unplug", "item_sensing"))


def table(short: bool = False) -> list[tuple[str, str, str, str]]:
    """Every cell (kind, step, flow, outcome); ``short``: only the batches of :data:`SHORT`."""
    cells = [(kind, step, flow, expected(kind, step, flow)) for kind in KINDS for step in STEPS for flow in FLOWS]
    return [cell for cell in cells if cell[:2] in SHORT] if short else cells


def doc_table() -> str:
    """The section of docs/RELIABILITY.md generated from the table: one line per (kind, step)."""
    lines = ["| fault | step | " + " | ".join(FLOWS) + " |", "| --- | --- | " + " | ".join("---" for _ in FLOWS) + " |"]
    for kind in KINDS:
        for step in STEPS:
            lines.append(f"| `{kind}` | {step.replace('_', ' ')} | "
                         + " | ".join(expected(kind, step, flow) for flow in FLOWS) + " |")
    lines += ["", "| outcome | what it means (checked) |", "| --- | --- |"]
    lines += [f"| {name} | {meaning} |" for name, meaning in MEANING.items()]
    return "\n".join(lines)
