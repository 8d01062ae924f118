"""Client of access terminals speaking the ISAPI subset described in DESIGN.md (HTTP, digest auth)."""
