"""The generated code must match the spec, the generator and the errata it was made from."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = [
    ROOT / "src/intervals_icu/models/_generated.py",
    ROOT / "src/intervals_icu/models/_fields.py",
]


def _header(text: str) -> dict[str, str]:
    return dict(re.findall(r"^# ([\w-]+)(?: \([^)]*\))?: (\w+)$", text.split("# --- end")[0],
                           flags=re.MULTILINE))


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: p.name)
def test_generated_models_are_not_stale(path: Path) -> None:
    text = path.read_text()
    header = _header(text)
    spec = (ROOT / "src/intervals_icu/spec/intervals-icu-openapi.json").read_bytes()
    generator = (ROOT / "scripts/generate_models.py").read_bytes() + (
        ROOT / "src/intervals_icu/spec/__init__.py"
    ).read_bytes()
    body = text.split("# --- end of header ---\n", 1)[1]
    assert header["spec-sha256"] == hashlib.sha256(spec).hexdigest(), (
        "the packaged spec changed: run scripts/generate_models.py"
    )
    assert header["generator-sha256"] == hashlib.sha256(generator).hexdigest(), (
        "the generator or the spec errata changed: run scripts/generate_models.py"
    )
    assert header["body-sha256"] == hashlib.sha256(body.encode()).hexdigest(), (
        f"{path.name} was edited by hand: change the spec or the generator instead"
    )


def test_packaged_spec_is_the_official_document() -> None:
    from intervals_icu.spec import spec_sha256

    assert spec_sha256() == "8f87f87ec20ff157a87e6176b3f43ed777d60276947e7df57073e753f44e9a97"


def test_sync_client_is_generated_from_async() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts/unasync.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
