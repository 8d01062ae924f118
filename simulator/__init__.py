"""A hardware-free compound for tests, benchmarks and the development Home Assistant."""
