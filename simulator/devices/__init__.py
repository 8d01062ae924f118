"""Simulated device kinds; importing this package registers every kind with simulator.kinds."""

from . import (
    access_terminal,  # noqa: F401
    ble_broadcaster,  # noqa: F401
    district_compounds,  # noqa: F401
    io_module,  # noqa: F401
)
