"""The ``icu`` command line: a thin layer over the library (commands live in their own modules
and import heavy things lazily, so ``icu --help`` starts fast)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    try:
        from intervals_icu.cli.app import app
    except ModuleNotFoundError as exc:  # the base install has no CLI dependencies
        print(
            f"the icu command needs extra packages ({exc.name} is missing): "
            "pip install 'intervals-icu[cli]'",
            file=sys.stderr,
        )
        return 2
    result = app(args=argv, standalone_mode=True, prog_name="icu")
    return int(result or 0)
