"""``icu mcp``: an MCP server that answers from the mirror and writes only what the user
approved (docs/mcp.md).

Reads come from the mirror (SQLite or PostgreSQL) after an incremental sync when it is older
than ``McpSettings.max_age_seconds``; the query tool runs read-only SQL on it; a write tool
returns a preview and a token, and only ``confirm_write`` with that token applies it,
through the journal (``undo_batch`` reverses a batch).
"""

from intervals_icu.mcp.access import ApiAccess
from intervals_icu.mcp.server import build_server, build_service
from intervals_icu.mcp.settings import McpSettings

__all__ = ["ApiAccess", "McpSettings", "build_server", "build_service"]
