"""Tests of the subentry flows that add and reconfigure a compound's devices."""
