"""``python -m bench.serve CONFIG.json [--pulse-gap S]``: the service process that the
``api`` and ``memory`` benchmarks measure.

It is ``locker serve`` (the same :class:`api.runtime.Runtime` and waitress server,
stopped cleanly by SIGTERM) with three differences: the configuration comes as JSON
from the benchmark, the bus driver's pulse gap can be lowered for a simulated
cabinet, and HTTP is served only once the start-up events are handled (see
:mod:`bench.rig`).
"""

from __future__ import annotations

import argparse
import json
import logging

from api.server import listen, serve_forever
from locker.config import config_from_dict

from .rig import SettledRuntime, set_pulse_gap


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("config", help="the configuration as JSON (the shape of locker.toml)")
    parser.add_argument("--pulse-gap", type=float, default=None, help="seconds between two pulses")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with open(args.config, encoding="utf-8") as f:
        config = config_from_dict(json.load(f), env={})
    sockets = listen(config.http)
    runtime = SettledRuntime(config)
    if args.pulse_gap is not None:
        set_pulse_gap(runtime, args.pulse_gap)
    serve_forever(runtime, sockets)


if __name__ == "__main__":
    main()
