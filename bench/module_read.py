"""Benchmark: CPU per read of one I/O module, and how much of it each layer under the integration costs.

Reads one module of a simulated gateway (in this process) through the integration's device layer
(IoModule on a modbus-connection unit, the path every poll takes): as shipped, without tmodbus's
tenacity retry loop (which modbus-connection configures never to retry, yet enters on every
request), and on tmodbus's base transport (see bench/modbus_paths.py; the variants swap the
libraries' code inside this benchmark only, the integration does not). The paths take turns.
CPU includes the simulated gateway's side.

    .venv/bin/python bench/module_read.py [--reads 2000] [--repeats 3]

The last line is one JSON object: us_per_read, us_per_read_without_retry_loop,
us_per_read_on_base_transport, retry_loop_us.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import statistics
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modbus_connection import ModbusTcpParams  # noqa: E402
from modbus_connection.tmodbus import ModbusConnection  # noqa: E402
from modbus_paths import READ_PATHS, use_read_path  # noqa: E402

from custom_components.hanyang_compound.devices.iomodule.module import IoModule  # noqa: E402
from custom_components.hanyang_compound.devices.iomodule.profiles import PROFILES  # noqa: E402
from simulator.devices.io_module import Gateway  # noqa: E402


async def cpu_per_read(reads: int, path: str) -> float:
    """Return CPU microseconds per module read, sent the named way."""
    gateway = Gateway("bench", {"modules": [{"unit_id": 1}]})
    await gateway.async_start()
    connection = ModbusConnection(ModbusTcpParams(host="127.0.0.1", port=gateway.port), timeout=5)
    module = IoModule(connection.for_unit(1), PROFILES["tcp_relay_8"], request_timeout=2)
    use_read_path(path)
    try:
        await module.async_read()  # connect
        started = time.process_time()
        for _ in range(reads):
            await module.async_read()
        return (time.process_time() - started) / reads * 1e6
    finally:
        use_read_path("shipped")
        await connection.close()
        await gateway.async_stop()


async def main() -> None:
    """Measure both rows, interleaved, and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.get_running_loop().set_debug(False)
    runs: dict[str, list[float]] = {path: [] for path in READ_PATHS}
    for _ in range(args.repeats):
        for path, measured in runs.items():
            measured.append(await cpu_per_read(args.reads, path))
    us = {path: statistics.median(measured) for path, measured in runs.items()}
    print(
        f"{args.reads} reads of one module, median of {args.repeats}, CPU incl. the simulated side"
    )
    print("| path | CPU µs per read |")
    print("|---|---:|")
    print(f"| as shipped (modbus-connection → tmodbus with its retry loop) | {us['shipped']:.0f} |")
    print(f"| the same without tmodbus's retry loop | {us['no-retry-loop']:.0f} |")
    print(f"| on tmodbus's base transport | {us['base-transport']:.0f} |")
    print(
        json.dumps(
            {
                "us_per_read": round(us["shipped"]),
                "us_per_read_without_retry_loop": round(us["no-retry-loop"]),
                "us_per_read_on_base_transport": round(us["base-transport"]),
                "retry_loop_us": round(us["shipped"] - us["no-retry-loop"]),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
