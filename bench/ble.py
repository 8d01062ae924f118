"""Benchmark: BTHome advertisements handled per second and CPU per 1,000, ours beside core bthome.

Runs a real Home Assistant core (the test harness's, with the radio mocked) and feeds the
advertisements of three rows of 150 BTHome manhole sensors, each row with addresses of its own,
through Home Assistant's bluetooth manager:
  - sensors of no entry (the bluetooth manager's own cost, subtracted from the rows below),
  - this integration's: one compound with 150 BTHome sensor subentries,
  - core bthome's: 150 config entries, one per sensor, as core sets them up.
Both integrations are loaded throughout. One sensor in five sends encrypted advertisements (a bind
key in both integrations). Two streams: new advertisements (every one carries a new packet id, as
sensors send them), and one in which 90 % are exact repeats of the sensor's previous
advertisement. The rows take turns round by round (a round is one advertisement of each of the
row's sensors, every row hearing the same values in a round), which row goes first rotating, so
that a busy spell of the machine weighs on every row alike; asyncio debug is off. The rounds are
measured in 5 blocks and the medians of the blocks are shown. Then, untimed, the state writes a
new advertisement causes in each integration (counted over 70 rounds), and the CPU of decoding
alone: this integration's decoder against bthome-ble's update(), which core bthome calls. The last
line is one JSON object; ratio_vs_bthome is core bthome's CPU per new advertisement divided by ours
(the median of the blocks' ratios); *_writes_per_new and *_decode_us are the figures above.
Usage: .venv/bin/python bench/ble.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import importlib
import os
from pathlib import Path
import sys
import tempfile

import pytest

SCENARIO = Path(__file__).resolve().parent / "ble_scenario.py"
ROOT = SCENARIO.parent.parent


def main() -> int:
    """Run the scenario through pytest (Home Assistant's test harness) and print its table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    # The integration and the simulator are imported from the working tree, the integration
    # before the harness's plugin loads: its own custom_components package would shadow ours.
    sys.path.insert(0, str(ROOT))
    importlib.import_module("custom_components.hanyang_compound")
    with tempfile.TemporaryDirectory() as scratch:
        table = Path(scratch) / "table.md"
        os.environ["BENCH_ROUNDS"] = str(args.rounds)
        os.environ["BENCH_TABLE"] = str(table)
        code = pytest.main(
            [
                str(SCENARIO),
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:sugar",
                "--no-cov",
                "-W",
                "ignore",
            ]
        )
        if table.exists():
            print(table.read_text(encoding="utf-8"), end="")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
