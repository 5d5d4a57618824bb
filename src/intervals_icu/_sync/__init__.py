# Generated from src/intervals_icu/_async/__init__.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Hand-written sync client; ``scripts/unasync.py`` generates the sync twin in ``_sync``."""
