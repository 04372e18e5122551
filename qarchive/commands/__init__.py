"""The `qarchive` commands, one module each."""
