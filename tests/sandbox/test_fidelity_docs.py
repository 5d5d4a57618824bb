"""docs/sandbox.md stays true: its generated sections (implemented-vs-spec operations, the
options, the control endpoints) match the code, and every option is documented."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from intervals_icu.sandbox.options import SandboxOptions

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/sandbox_coverage.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sandbox_coverage", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_sections_are_current() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, (
        f"{result.stdout.strip()} (handlers, options or control endpoints changed since "
        "docs/sandbox.md was generated)")


def test_every_option_has_a_docstring() -> None:
    documented = _script()._option_docs()
    missing = sorted(set(SandboxOptions().as_dict()) - set(documented))
    assert not missing, (
        f"SandboxOptions fields without a docstring under them in sandbox/options.py: "
        f"{missing}. docs/sandbox.md's options table is built from those docstrings.")


def test_render_replaces_only_the_generated_sections() -> None:
    script = _script()
    stale = ("intro\n<!-- BEGIN generated: coverage (x) -->\nold table\n"
             "<!-- END generated: coverage -->\nmiddle\n"
             "<!-- BEGIN generated: options (x) -->\n<!-- END generated: options -->\n"
             "<!-- BEGIN generated: control (x) -->\n<!-- END generated: control -->\nend\n")
    fresh = script.render(stale)
    assert fresh.startswith("intro\n")
    assert "\nmiddle\n" in fresh
    assert fresh.endswith("end\n")
    assert "old table" not in fresh
    assert "| getAthlete |" in fresh
    assert script.render(fresh) == fresh
