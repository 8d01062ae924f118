"""Bluetooth device addresses: as people type them, and the one form Home Assistant writes them in."""

from __future__ import annotations

import re
from typing import Final

_ADDRESS_DIGITS: Final = 12
"""A Bluetooth address is 6 bytes: 12 hexadecimal digits."""
_SEPARATORS: Final = ":-"
_HEX_DIGITS: Final = frozenset("0123456789ABCDEF")
# Anywhere, even inside longer runs: a digit too many must not let an address through.
_WRITTEN_ADDRESS: Final = re.compile(r"(?i)[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}")


def normalize_address(text: str) -> str | None:
    """Return a Bluetooth address as AA:BB:CC:DD:EE:FF, or None if text is not one.

    Separators (colons or dashes) and case are free, as on device labels and in apps.
    """
    digits = "".join(ch for ch in text.strip() if ch not in _SEPARATORS).upper()
    if len(digits) != _ADDRESS_DIGITS or not _HEX_DIGITS.issuperset(digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, _ADDRESS_DIGITS, 2))


def redact_addresses(text: str) -> str:
    """Return text with every Bluetooth address in it replaced: addresses never reach the logs.

    An address identifies a device, and whoever carries it.
    """
    return _WRITTEN_ADDRESS.sub("<address>", text)
