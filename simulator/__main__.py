"""Command line of the simulator: serve a compound, or send a command to a running one.

python -m simulator serve --config simulator/demo.yaml [--control-port 8130]
python -m simulator send DEVICE COMMAND [key=value ...] [--control-url http://127.0.0.1:8130]
"""

from __future__ import annotations

import argparse
import asyncio
from http import HTTPStatus
import json
from pathlib import Path
import signal
import sys
from typing import Any

import aiohttp

from .description import CompoundDescription, DescriptionError
from .runtime import Simulator

DEFAULT_CONTROL_PORT = 8130


async def _serve(config: Path, control_port: int) -> None:
    simulator = Simulator(CompoundDescription.load(config), control_port=control_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with simulator:
        print(f"Simulated compound {simulator.description.name} ready")
        print(f"  control API: {simulator.control_url}/status")
        for device_id, status in simulator.status()["devices"].items():
            print(f"  {device_id}: {status}")
        sys.stdout.flush()
        await stop.wait()


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


async def _send(control_url: str, device: str, command: str, pairs: list[str]) -> int:
    arguments = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            print(f"arguments are key=value, not {pair!r}", file=sys.stderr)
            return 2
        arguments[key] = _parse_value(value)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{control_url}/devices/{device}/{command}", json=arguments) as response,
    ):
        print(json.dumps(await response.json(), ensure_ascii=False, indent=2))
        return 0 if response.status == HTTPStatus.OK else 1


def main(argv: list[str] | None = None) -> int:
    """Run the simulator's command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a compound until interrupted")
    serve.add_argument("--config", type=Path, required=True, help="compound description (YAML)")
    serve.add_argument("--control-port", type=int, default=DEFAULT_CONTROL_PORT)
    send = commands.add_parser("send", help="send a control command to a running simulator")
    send.add_argument("device")
    send.add_argument("device_command", metavar="COMMAND")
    send.add_argument("arguments", nargs="*", metavar="key=value")
    send.add_argument("--control-url", default=f"http://127.0.0.1:{DEFAULT_CONTROL_PORT}")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            asyncio.run(_serve(args.config, args.control_port))
            return 0
        return asyncio.run(
            _send(args.control_url, args.device, args.device_command, args.arguments)
        )
    except DescriptionError as err:
        print(f"simulator: {err}", file=sys.stderr)
        return 2
    except aiohttp.ClientConnectionError as err:
        print(f"simulator: no simulator answers at {args.control_url}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
