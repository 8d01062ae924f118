"""Tests of the district link, against a real Mosquitto."""
