"""Tests of the Hanyang Compound integration."""
