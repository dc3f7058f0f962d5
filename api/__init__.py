"""hemekb's HTTP API: a thin FastAPI layer over kb.service."""
