"""``python -m bench [NAME ...] [--n N]``: run benchmarks (all by default), print tables."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time

from . import BENCHMARKS
from .publish import machine, publish
from .rig import BenchError

#: Benchmarks whose results have a block of their own in docs/PERFORMANCE.md.
PUBLISHED = ("wire", "doors")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--n", type=int, default=None,
                        help="work per benchmark: reads, runs, requests or cycles (default: each one's own)")
    parser.add_argument("--publish", action="store_true",
                        help="also write the results into docs/PERFORMANCE.md (benchmarks with a block there)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    if args.n is not None and args.n < 1:
        parser.error("--n must be 1 or more")
    logging.basicConfig(level=logging.ERROR)
    failed = False
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        began, started = time.perf_counter(), machine()
        try:
            tables = module.run(args.n)
        except BenchError as exc:
            print(f"{name}: FAILED: {exc}\n", flush=True)
            failed = True
            continue
        for table in tables:
            print(table.render() + "\n", flush=True)
        seconds = time.perf_counter() - began
        print(f"({name} took {seconds:.1f} s)\n", flush=True)
        if args.publish and name in PUBLISHED:
            command = " ".join(["python -m bench", name] + ([f"--n {args.n}"] if args.n else []) + ["--publish"])
            publish(name, tables, command=command, started=started, seconds=seconds)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
