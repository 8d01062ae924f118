"""Bluetooth device layer: Health Thermometer measurements and BTHome advertisements, free of Home Assistant."""
