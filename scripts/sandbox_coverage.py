#!/usr/bin/env python3
"""Regenerate the generated sections of docs/sandbox.md; ``--check`` fails if they are stale.

Three sections, each between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated:
NAME -->`` markers (the prose around them is hand-written):

* ``coverage``: every operation of the official spec, implemented by the sandbox or not
  (from ``intervals_icu.sandbox.context.HANDLERS``; the rest answer 501);
* ``options``: every switchable behaviour of ``SandboxOptions`` with its default and the
  docstring under it in ``sandbox/options.py``;
* ``control``: every endpoint of the control API (``sandbox/control.py``).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from intervals_icu.sandbox import app as _app  # noqa: E402, F401  (registers every handler)
from intervals_icu.sandbox.context import HANDLERS  # noqa: E402
from intervals_icu.sandbox.control import CONTROL_ENDPOINTS  # noqa: E402
from intervals_icu.sandbox.options import SandboxOptions  # noqa: E402
from intervals_icu.spec import operations  # noqa: E402

DOC = ROOT / "docs/sandbox.md"
OPTIONS_SOURCE = ROOT / "src/intervals_icu/sandbox/options.py"

# The spec's tags are Spanish (API-NOTES §1.1); the table shows both.
TAG_NAMES = {
    "Actividades": "Activities", "Atletas": "Athletes", "Bienestar": "Wellness",
    "Biblioteca": "Library", "Eventos": "Events", "Equipamiento": "Gear",
    "Deportes": "Sport settings", "Rutas": "Routes", "Tiempo": "Weather", "Chats": "Chats",
    "Custom Items": "Custom items", "Shared Events": "Shared events",
    "o-auth-server-controller": "OAuth",
}


def coverage_section() -> str:
    ops = sorted(operations(), key=lambda o: (TAG_NAMES.get(o.tag, o.tag), o.path, o.method))
    done = sum(1 for o in ops if o.operation_id in HANDLERS)
    rest = ("." if done == len(ops) else
            "; the others answer 501 with a body naming the operation.")
    lines = [
        f"{done} of {len(ops)} operations of the official spec are implemented{rest}",
        "",
        "| area (spec tag) | operationId | method | path | sandbox |",
        "|---|---|---|---|---|",
    ]
    for op in ops:
        area = TAG_NAMES.get(op.tag, op.tag)
        tag = f"{area} ({op.tag})" if area != op.tag else area
        mark = "yes" if op.operation_id in HANDLERS else "501"
        lines.append(f"| {tag} | {op.operation_id} | {op.method} | `{op.path}` | {mark} |")
    return "\n".join(lines)


def _option_docs() -> dict[str, str]:
    """The string literal under each field of SandboxOptions (attribute docstrings)."""
    tree = ast.parse(OPTIONS_SOURCE.read_text())
    docs: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "SandboxOptions":
            body = node.body
            for field, after in zip(body, [*body[1:], None], strict=True):
                if (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
                        and isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)):
                    docs[field.target.id] = " ".join(after.value.value.split())
    return docs


def options_section() -> str:
    docs = _option_docs()
    lines = ["| option | default | what it switches |", "|---|---|---|"]
    for name, value in SandboxOptions().as_dict().items():
        text = docs.get(name, "").replace("|", "\\|")
        lines.append(f"| `{name}` | `{value!r}` | {text} |")
    return "\n".join(lines)


def control_section() -> str:
    lines = ["| method | path | what it does |", "|---|---|---|"]
    for endpoint in CONTROL_ENDPOINTS:
        path = f"/_sandbox/{endpoint.path}".rstrip("/")
        lines.append(f"| {endpoint.method} | `{path}` | {endpoint.summary} |")
    return "\n".join(lines)


SECTIONS = {"coverage": coverage_section, "options": options_section,
            "control": control_section}


def render(text: str) -> str:
    """``text`` with every generated section replaced by its current content."""
    for name, make in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- BEGIN generated: {name} [^>]*-->\n).*?(<!-- END generated: {name} -->)",
            re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"docs/sandbox.md has no generated section {name!r}")
        text = pattern.sub(lambda m, make=make: f"{m.group(1)}{make()}\n{m.group(2)}", text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/sandbox.md is stale")
    args = parser.parse_args()
    current = DOC.read_text()
    fresh = render(current)
    if args.check:
        if fresh != current:
            print("docs/sandbox.md is stale: run python scripts/sandbox_coverage.py")
            return 1
        print("docs/sandbox.md is up to date")
        return 0
    DOC.write_text(fresh)
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
