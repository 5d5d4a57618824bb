"""What an MCP server is configured with: where the mirror and the journal are, how old the
mirror may be before a read syncs it, and the query tool's limits."""

from __future__ import annotations

import os
from dataclasses import dataclass

from intervals_icu import errors

__all__ = ["ENV_MAX_AGE", "McpSettings"]

ENV_MAX_AGE = "ICU_MCP_MAX_AGE"


@dataclass(frozen=True)
class McpSettings:
    database_url: str | None = None
    """The mirror (SQLAlchemy URL); default: ``mirror.db`` in the user data directory."""
    schema: str | None = None
    """PostgreSQL schema holding the mirror's tables."""
    max_age_seconds: float = 300.0
    """A read syncs the athlete first when their mirror is older than this (0: every read)."""
    journal_path: str | None = None
    """The write journal (default: the CLI's, so ``icu journal`` and ``icu undo`` see MCP
    writes)."""
    query_row_limit: int = 500
    query_time_limit: float = 5.0
    """Seconds a query tool statement may run before it is cut off."""
    preview_ttl_seconds: float = 900.0
    """How long a write preview's token can be confirmed."""
    roster_ttl_seconds: float = 600.0
    """How long who-shares-with-whom is remembered before it is asked again."""

    def __post_init__(self) -> None:
        if self.max_age_seconds < 0:
            raise errors.ConfigurationError("max_age_seconds must be 0 or more")
        if self.query_row_limit < 1 or self.query_time_limit <= 0:
            raise errors.ConfigurationError("the query tool needs a row limit >= 1 and a time "
                                            "limit > 0 s")

    @classmethod
    def from_env(cls, **overrides: object) -> McpSettings:
        """Settings with ``ICU_MCP_MAX_AGE`` (seconds) applied, then ``overrides``."""
        values: dict[str, object] = {}
        text = os.environ.get(ENV_MAX_AGE, "").strip()
        if text:
            try:
                values["max_age_seconds"] = float(text)
            except ValueError:
                raise errors.ConfigurationError(
                    f"{ENV_MAX_AGE}={text!r} is not a number of seconds (e.g. 300)") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
