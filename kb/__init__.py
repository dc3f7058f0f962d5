"""hemekb: the knowledge base library (model, stores, vocabularies, queries)."""

__version__ = "0.1.0"
