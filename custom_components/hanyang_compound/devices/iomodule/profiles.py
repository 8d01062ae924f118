"""Module profiles: what a type of I/O module offers, kept as data in one JSON file per type."""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any, Final

PROFILE_DIRECTORY: Final = Path(__file__).parent / "profiles"

TRANSPORT_TCP: Final = "tcp"
TRANSPORT_RTU_OVER_TCP: Final = "rtu_over_tcp"
TRANSPORTS: Final = (TRANSPORT_TCP, TRANSPORT_RTU_OVER_TCP)
MAX_CHANNELS: Final = 2000
"""The most bits one Modbus read returns."""


class ProfileError(ValueError):
    """A profile file does not describe a module."""


@dataclass(frozen=True, slots=True)
class ModuleProfile:
    """What a type of I/O module offers and how it wants to be talked to."""

    key: str
    name: str
    relays: int
    inputs: int
    transport: str
    message_spacing: float
    """Quiet time between requests, in seconds: serial bridges need it between RTU frames."""
    pulse_seconds: float
    """How long a pulse relay stays energised by default."""

    @classmethod
    def from_mapping(cls, key: str, raw: Any) -> ModuleProfile:
        """Build a profile from a parsed file, naming what is wrong with it."""
        try:
            profile = cls(
                key=key,
                name=str(raw["name"]),
                relays=int(raw["relays"]),
                inputs=int(raw["inputs"]),
                transport=str(raw["transport"]),
                message_spacing=float(raw["message_spacing"]),
                pulse_seconds=float(raw["pulse_seconds"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ProfileError(f"profile {key} is incomplete or mistyped: {err!r}") from err
        if not (1 <= profile.relays <= MAX_CHANNELS and 1 <= profile.inputs <= MAX_CHANNELS):
            raise ProfileError(f"profile {key} needs 1 to {MAX_CHANNELS} relays and inputs")
        if profile.transport not in TRANSPORTS:
            raise ProfileError(f"profile {key} has an unknown transport {profile.transport}")
        if profile.message_spacing < 0 or profile.pulse_seconds <= 0:
            raise ProfileError(f"profile {key} has a negative spacing or no pulse length")
        return profile


def load_profiles(directory: Path = PROFILE_DIRECTORY) -> dict[str, ModuleProfile]:
    """Read every profile file of a directory, keyed by file name."""
    return {
        path.stem: ModuleProfile.from_mapping(path.stem, json.loads(path.read_text("utf-8")))
        for path in sorted(directory.glob("*.json"))
    }


PROFILES: Final = load_profiles()
DEFAULT_PROFILE: Final = "tcp_relay_8"
