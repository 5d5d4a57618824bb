"""``python -m intervals_icu.cli``: the same as the ``icu`` command."""

from intervals_icu.cli import main

raise SystemExit(main())
