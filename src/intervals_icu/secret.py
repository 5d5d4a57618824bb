"""What a secret is, in one place: the ``Secret`` string that never shows itself (API keys,
tokens and webhook secrets are held as Secret), and which named values carry credentials
(model reprs, CLI output, logged queries, the journal and the mirror all ask here).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["SECRET_NAMES", "Secret", "is_secret_field", "redact_fields"]

_SECRET_NAME = re.compile(
    r"^(?!has_)\w*(api[_-]?key|secret|password|passwd|token|authorization)$", re.IGNORECASE)
_SECRET_IN_QUERY = frozenset({"code", "key"})
"""Query parameters that carry credentials by themselves (an OAuth code, ``?key=``); as JSON
fields these names mean other things (a zone set's ``code``)."""


def is_secret_field(name: str, *, query: bool = False) -> bool:
    """``name`` carries a credential: ``icu_api_key``, ``client_secret``, ``access_token``,
    ``Authorization``... (``has_password`` is a flag, not a secret). ``query``: the name of a
    query parameter, where ``code`` and ``key`` are secrets too."""
    return bool(_SECRET_NAME.match(name)) or (query and name.lower() in _SECRET_IN_QUERY)


class _SecretNames:
    """``name in SECRET_NAMES``: the membership test of :func:`is_secret_field`."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and is_secret_field(name)

    def __repr__(self) -> str:
        return "SECRET_NAMES"


SECRET_NAMES = _SecretNames()
"""Use where a set of secret field names is expected (``if key in SECRET_NAMES``)."""

J = TypeVar("J")


def redact_fields(value: J) -> J:
    """A copy of JSON-like data with the values of credential fields replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: ("***" if isinstance(k, str) and is_secret_field(k) and v
                    else redact_fields(v))
                for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, (list, tuple)):
        return [redact_fields(v) for v in value]  # type: ignore[return-value]
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
