"""Tests of the devices on Modbus I/O modules in Home Assistant."""
