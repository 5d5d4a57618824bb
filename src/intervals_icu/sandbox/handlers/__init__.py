"""Route handlers, one module per API area. Importing this package registers them all."""

from intervals_icu.sandbox.handlers import athletes, wellness  # noqa: F401
