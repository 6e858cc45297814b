"""A scored video: the project state, its file format, and the flows that change it."""
