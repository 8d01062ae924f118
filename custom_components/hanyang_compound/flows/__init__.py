"""The subentry flows that add and reconfigure a compound's devices, one module per kind."""
