"""The case library: the case format, its loader and validator, and the bundled cases."""
