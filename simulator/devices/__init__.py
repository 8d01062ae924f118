"""Simulated device kinds; importing this package registers every kind with simulator.kinds."""

from . import io_module  # noqa: F401
