"""Tests of the simulated compound."""
