"""A string that never shows itself: API keys, tokens and webhook secrets are held as Secret."""

from __future__ import annotations

import hmac
import re
from typing import Any

__all__ = ["Secret", "is_secret_field", "redact_fields"]

_SECRET_NAME = re.compile(r"(api_?key|secret|password|token)$", re.IGNORECASE)


def is_secret_field(name: str) -> bool:
    """A field that carries a credential (``icu_api_key``, ``client_secret``...)."""
    return bool(_SECRET_NAME.search(name))


def redact_fields(value: Any) -> Any:
    """A copy of JSON-like data with the values of credential fields replaced by ``***``."""
    if isinstance(value, dict):
        return {k: ("***" if is_secret_field(str(k)) and v else redact_fields(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact_fields(v) for v in value]
    return value


class Secret:
    """Holds a secret value; ``repr``, ``str`` and ``format`` print ``'***'``.

    Call :meth:`reveal` at the single place the value must go on the wire.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        raw = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise TypeError(f"a secret must be a str, not {type(raw).__name__}")
        self._value = raw

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value.encode(), other._value.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        # Pickling would write the value to disk or a queue; refuse rather than leak.
        raise TypeError("Secret values cannot be pickled")
