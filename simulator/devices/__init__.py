"""Simulated device kinds; importing this package registers every kind with simulator.kinds."""

from . import ble_broadcaster  # noqa: F401
