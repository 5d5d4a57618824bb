"""docs/cli.md documents every command, its examples name real commands and options, and
`icu --help` does not import the heavy parts of the library."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer.main

from intervals_icu.cli.app import app

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
EXAMPLE = re.compile(r"^\$ (?:[A-Z_]+=\S+ )*(icu .*)$", re.MULTILINE)


def _children(command: Any) -> dict[str, Any]:
    if not hasattr(command, "list_commands"):
        return {}
    return {name: command.get_command(None, name) for name in command.list_commands(None)}


def _leaves(command: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    children = _children(command)
    if not children:
        return {path: command}
    found: dict[tuple[str, ...], Any] = {}
    if getattr(command, "invoke_without_command", False):
        found[path] = command
    for name, child in children.items():
        found.update(_leaves(child, (*path, name)))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = _leaves(ROOT)


def test_every_command_is_documented_with_an_example() -> None:
    examples = [line.split("#")[0] for line in EXAMPLE.findall(DOC)]
    for path in COMMANDS:
        name = " ".join(("icu", *path))
        heading = " ".join(("icu", *path[:1]))
        assert re.search(rf"^### .*`{re.escape(heading)}[ `|]", DOC, re.MULTILINE), \
            f"{heading} has no section in docs/cli.md"
        assert any(e == name or e.startswith(name + " ") for e in examples), \
            f"{name} has no example in docs/cli.md"


def test_examples_use_real_commands_and_options() -> None:
    for line in EXAMPLE.findall(DOC):
        words = shlex.split(line.split(" #")[0].split(" |")[0].split(" >")[0])[1:]
        command: Any = ROOT
        options = {o for p in ROOT.params for o in p.opts}
        while words and words[0] in _children(command):
            command = _children(command)[words.pop(0)]
            options |= {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        eager = any(w in {"--install-completion", "--show-completion", "--version"}
                    for w in words)
        assert eager or not _children(command) or \
            getattr(command, "invoke_without_command", False), f"{line}: incomplete command"
        for word in words:
            if word.startswith("-") and not word.lstrip("-").isdigit():
                assert word.split("=")[0] in options, f"{line}: no option {word}"


def test_help_imports_nothing_heavy() -> None:
    probe = (
        "import contextlib, io, sys\n"
        "from intervals_icu.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        code = main(['--help'])\n"
        "    except SystemExit as exc:\n"
        "        code = exc.code\n"
        "heavy = ['httpx', 'pydantic', 'sqlalchemy', 'intervals_icu.models', 'starlette',\n"
        "         'intervals_icu._sync', 'rich.table']\n"
        "print(code, [m for m in heavy if m in sys.modules])\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "0 []"


def test_version_and_help(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from intervals_icu import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout
    helped = CliRunner().invoke(app, ["--help"])
    for name in ("wellness", "undo", "journal", "sync", "demo", "doctor"):
        assert name in helped.stdout
