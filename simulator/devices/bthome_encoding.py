"""BTHome v2 service data as sensors send it (plaintext or AES-CCM encrypted), written independently."""

from __future__ import annotations

from collections.abc import Mapping
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

BTHOME_SERVICE_UUID = "0000fcd2-0000-1000-8000-00805f9b34fb"
_VERSION_2 = 0x40
_ENCRYPTED = 0x01

# Object id, struct format and factor of each measurement a compound's sensors send,
# in object-id order as the BTHome v2 format requires.
OBJECTS: dict[str, tuple[int, str, float]] = {
    "packet_id": (0x00, "<B", 1),
    "battery": (0x01, "<B", 1),
    "temperature": (0x02, "<h", 0.01),
    "humidity": (0x03, "<H", 0.01),
    "opening": (0x11, "<B", 1),
    "moisture": (0x20, "<B", 1),
    "rotation": (0x3F, "<h", 0.1),
    "distance_mm": (0x40, "<H", 1),
}


def encode_objects(values: Mapping[str, float | bool]) -> bytes:
    """Return the BTHome v2 objects of values, in object-id order."""
    payload = b""
    for name, (object_id, fmt, factor) in sorted(OBJECTS.items(), key=lambda item: item[1][0]):
        if name in values:
            payload += bytes([object_id]) + struct.pack(fmt, round(float(values[name]) / factor))
    return payload


def encode_service_data(
    values: Mapping[str, float | bool],
    *,
    address: str,
    bind_key: bytes | None = None,
    counter: int = 0,
) -> bytes:
    """Return a sensor's BTHome v2 service data; encrypted (with counter) when it has a bind key."""
    payload = encode_objects(values)
    if bind_key is None:
        return bytes([_VERSION_2]) + payload
    adv_info = _VERSION_2 | _ENCRYPTED
    mac = bytes.fromhex(address.replace(":", ""))
    counter_bytes = counter.to_bytes(4, "little")
    nonce = mac + bytes.fromhex("d2fc") + bytes([adv_info]) + counter_bytes
    sealed = AESCCM(bind_key, tag_length=4).encrypt(nonce, payload, None)
    return bytes([adv_info]) + sealed[:-4] + counter_bytes + sealed[-4:]
