"""Domain errors raised by the library; the CLI and the API only translate them."""


class KBError(Exception):
    """Base of every error the knowledge base reports to a user."""


class PaperRejected(KBError):
    """A paper could not be ingested; nothing of it was stored."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class QueryRefused(KBError):
    """A query asked for something the knowledge base does not support; the message says what is allowed."""


class StoreBusy(KBError):
    """The graph store is held by another writer (a running `kb ingest`); retrying later will work."""


class StoreMisconfigured(KBError):
    """The settings name a store that does not exist or cannot be opened."""
