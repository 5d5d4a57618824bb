"""A faithful local Intervals.icu: REST API, OAuth, rate limits, webhooks, fault injection.

    from intervals_icu.sandbox import Sandbox
    with Sandbox(seed=42) as sb:
        client = sb.client()
"""

from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxOptions"]
