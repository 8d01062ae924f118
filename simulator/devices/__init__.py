"""Simulated device kinds; importing this package registers every kind with simulator.kinds."""
