"""Renderers of records and comparisons: every output format, forest plots, RIS and BibTeX."""
