"""Old import path of :mod:`intervals_icu.sandbox.platform.activities` (kept for code that
imports it from here; new code imports the platform module). Registers no routes."""

from intervals_icu.sandbox.platform.activities import *  # noqa: F403
from intervals_icu.sandbox.platform.activities import __all__  # noqa: F401
