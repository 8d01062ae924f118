"""Modbus I/O modules and the barrier gates and shed outputs wired to them, free of Home Assistant."""
