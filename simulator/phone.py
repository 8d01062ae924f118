"""A simulated volunteer's phone: scans NFC tags the way the Home Assistant companion app does.

The companion app registers with Home Assistant's mobile_app integration once, then reports a
scanned tag through its webhook (command scan_tag), which fires the same tag_scanned event
as a real phone. This lets a patrol round be walked without a phone:

    python -m simulator.phone scan tag-north-gate
    python -m simulator.phone --ha-url http://ha.example:8123 --token TOKEN scan tag-north-gate

The phone's registration is kept in a small JSON file (--state-file); by default that is the
stand-in phone scripts/develop registers, so the demo needs nothing else. Without a registration
the command registers a simulated phone, which needs a long-lived access token (--token or
HASS_TOKEN); delete the file to register again (after removing the phone in Home Assistant).
"""

from __future__ import annotations

import argparse
import asyncio
from http import HTTPStatus
import json
import os
from pathlib import Path
import sys
from typing import Any

import aiohttp

DEFAULT_STATE_FILE = Path(".develop/phone.json")
PHONE = {
    "device_id": "simulated-volunteer-phone",
    "app_id": "io.hanyang_compound.simulated_phone",
    "app_name": "Simulated volunteer phone",
    "app_version": "1.0",
    "device_name": "Volunteer phone (simulated)",
    "manufacturer": "Hanyang Compound",
    "model": "Simulator",
    "os_name": "Simulator",
    "os_version": "1.0",
    "supports_encryption": False,
}


class PhoneError(RuntimeError):
    """Home Assistant refused the phone's registration or scan."""


class SimulatedPhone:
    """A companion-app phone registered with one Home Assistant."""

    def __init__(
        self, session: aiohttp.ClientSession, ha_url: str, token: str | None, state_file: Path
    ) -> None:
        """Prepare the phone; it registers on its first scan unless the state file has a webhook."""
        self._session = session
        self._ha_url = ha_url.rstrip("/")
        self._token = token
        self._state_file = state_file

    async def async_scan(self, tag_id: str) -> None:
        """Report a scanned tag, registering the phone first if it has not been."""
        webhook_id = self._stored_webhook_id() or await self.async_register()
        async with self._session.post(
            f"{self._ha_url}/api/webhook/{webhook_id}",
            json={"type": "scan_tag", "data": {"tag_id": tag_id}},
        ) as response:
            if response.status != HTTPStatus.OK:
                raise PhoneError(f"scan refused: HTTP {response.status}")

    async def async_register(self) -> str:
        """Register the phone with mobile_app and remember its webhook."""
        if not self._token:
            raise PhoneError(
                f"no phone is registered in {self._state_file}; "
                "give --token or set HASS_TOKEN (a long-lived access token) to register one"
            )
        async with self._session.post(
            f"{self._ha_url}/api/mobile_app/registrations",
            json=PHONE,
            headers={"Authorization": f"Bearer {self._token}"},
        ) as response:
            if response.status != HTTPStatus.CREATED:
                raise PhoneError(f"registration refused: HTTP {response.status}")
            webhook_id = str((await response.json())["webhook_id"])
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        self._state_file.write_text(
            json.dumps({"ha_url": self._ha_url, "webhook_id": webhook_id}), encoding="utf-8"
        )
        return webhook_id

    def _stored_webhook_id(self) -> str | None:
        try:
            stored: dict[str, Any] = json.loads(self._state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        # A registration made for another Home Assistant is no use here.
        if stored.get("ha_url", self._ha_url) != self._ha_url:
            return None
        return str(stored["webhook_id"]) if stored.get("webhook_id") else None


async def _run(args: argparse.Namespace) -> None:
    async with aiohttp.ClientSession() as session:
        phone = SimulatedPhone(session, args.ha_url, args.token, args.state_file)
        for tag_id in args.tag_ids:
            await phone.async_scan(tag_id)
            print(f"scanned {tag_id}")  # noqa: T201 - the command line reports on stdout


def main(argv: list[str] | None = None) -> int:
    """Run the simulated phone's command line."""
    parser = argparse.ArgumentParser(prog="python -m simulator.phone", description=__doc__)
    parser.add_argument("--ha-url", default="http://127.0.0.1:8123")
    parser.add_argument("--token", default=os.environ.get("HASS_TOKEN"))
    parser.add_argument("--state-file", type=Path, default=DEFAULT_STATE_FILE)
    commands = parser.add_subparsers(dest="command", required=True)
    scan = commands.add_parser("scan", help="scan one or more tags, in order")
    scan.add_argument("tag_ids", nargs="+", metavar="TAG_ID")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_run(args))
    except (PhoneError, aiohttp.ClientError) as err:
        print(f"simulated phone: {err}", file=sys.stderr)  # noqa: T201 - and errors on stderr
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
