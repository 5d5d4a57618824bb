"""Hand-written async client; ``scripts/unasync.py`` generates the sync twin in ``_sync``."""
