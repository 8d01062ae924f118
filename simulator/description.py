"""The compound description file: which compound is simulated and which devices it has."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class DescriptionError(ValueError):
    """The description file is not a valid compound description."""


@dataclass(frozen=True, slots=True)
class DeviceDescription:
    """One simulated device: its kind, a unique id and the kind's own settings."""

    id: str
    kind: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompoundDescription:
    """A simulated compound and its devices."""

    name: str
    zone: str
    service_tier: str = "standard"
    devices: tuple[DeviceDescription, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Any) -> CompoundDescription:
        """Build a description from parsed YAML, saying precisely what is wrong with it."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("compound"), Mapping):
            raise DescriptionError("the file must have a 'compound' section")
        compound = raw["compound"]
        for key in ("name", "zone"):
            if not isinstance(compound.get(key), str) or not compound[key].strip():
                raise DescriptionError(f"compound.{key} must be a non-empty text")
        devices_raw = raw.get("devices")
        if devices_raw is None:
            devices_raw = []
        if not isinstance(devices_raw, list):
            raise DescriptionError("'devices' must be a list")
        devices: list[DeviceDescription] = []
        for index, device in enumerate(devices_raw):
            if not isinstance(device, Mapping) or not all(
                isinstance(device.get(key), str) and device[key] for key in ("id", "kind")
            ):
                raise DescriptionError(f"devices[{index}] needs a text 'id' and 'kind'")
            settings = {key: value for key, value in device.items() if key not in ("id", "kind")}
            devices.append(
                DeviceDescription(id=device["id"], kind=device["kind"], settings=settings)
            )
        ids = [device.id for device in devices]
        if duplicates := sorted({device_id for device_id in ids if ids.count(device_id) > 1}):
            raise DescriptionError(f"device ids must be unique; repeated: {', '.join(duplicates)}")
        return cls(
            name=compound["name"].strip(),
            zone=compound["zone"].strip(),
            service_tier=str(compound.get("service_tier", "standard")),
            devices=tuple(devices),
        )

    @classmethod
    def load(cls, path: Path) -> CompoundDescription:
        """Read a description from a YAML file."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise DescriptionError(f"{path} is not valid YAML: {err}") from err
        return cls.from_mapping(raw)
