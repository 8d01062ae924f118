"""Tests of the device layer, which run without Home Assistant."""
