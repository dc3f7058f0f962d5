"""Turning paper files into facts: reading, normalizing, segmenting and extracting outcome records."""
