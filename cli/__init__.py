"""The `kb` command line: a thin layer over kb/ (the library), ingest/ (files in) and api/ (the server)."""
