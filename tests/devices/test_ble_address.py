"""Tests of Bluetooth address normalisation: every way people write an address, and nothing else."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.hanyang_compound.devices.ble.address import (
    normalize_address,
    redact_addresses,
)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("a4:c1:38:15:06:01", "A4:C1:38:15:06:01"),
        (" A4-C1-38-15-06-01 ", "A4:C1:38:15:06:01"),
        ("a4c138150601", "A4:C1:38:15:06:01"),
        ("A4:C1:38:15:06", None),
        ("A4:C1:38:15:06:01:02", None),
        ("G4:C1:38:15:06:01", None),
        ("A4 C1 38 15 06 01", None),
        ("", None),
    ],
)
def test_addresses_as_people_write_them(text: str, address: str | None) -> None:
    assert normalize_address(text) == address


@given(st.binary(min_size=6, max_size=6), st.sampled_from([":", "-", ""]), st.booleans())
def test_every_address_comes_back_in_one_form(raw: bytes, separator: str, lower: bool) -> None:
    written = separator.join(f"{byte:02x}" if lower else f"{byte:02X}" for byte in raw)
    assert normalize_address(written) == ":".join(f"{byte:02X}" for byte in raw)


@given(st.text())
def test_any_text_is_an_address_in_its_one_form_or_none(text: str) -> None:
    address = normalize_address(text)
    if address is not None:
        assert normalize_address(address) == address
        assert bytes.fromhex(address.replace(":", "")).hex(":").upper() == address


@given(st.text(), st.binary(min_size=6, max_size=6), st.sampled_from([":", "-"]), st.text())
def test_no_address_survives_redaction(before: str, raw: bytes, separator: str, after: str) -> None:
    address = separator.join(f"{byte:02x}" for byte in raw)
    redacted = redact_addresses(before + address.upper() + after)
    assert address not in redacted.lower()
    assert normalize_address(address) not in redacted


def test_redaction_leaves_other_text_alone() -> None:
    assert redact_addresses("Manhole 1: counter 7 replayed (last 9)") == (
        "Manhole 1: counter 7 replayed (last 9)"
    )
    assert redact_addresses("A4:C1:38:15:06:01 - Manhole: Failed to connect") == (
        "<address> - Manhole: Failed to connect"
    )
