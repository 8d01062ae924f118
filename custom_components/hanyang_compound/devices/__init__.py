"""Device layer: protocols, parsers and device models of the compound's hardware, free of Home Assistant."""
