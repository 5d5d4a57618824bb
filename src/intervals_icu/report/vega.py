"""Vega-Lite through vl-convert: the JavaScript that renders charts in the page (Vega,
Vega-Lite and vega-embed, inlined so the file works offline) and PNG files without a browser.

vl-convert bundles the JavaScript on demand, which takes about a second; the bundle is kept in
the user cache directory, keyed by the library versions, so later reports read it from disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from intervals_icu.errors import ConfigurationError

__all__ = ["ChartingUnavailable", "javascript_bundle", "to_png"]


class ChartingUnavailable(ConfigurationError):
    """The charting library (vl-convert) is not installed."""


def _vl_convert() -> Any:
    try:
        import vl_convert
    except ModuleNotFoundError as exc:
        raise ChartingUnavailable(
            "reports need vl-convert: pip install 'intervals-icu[report]'") from exc
    return vl_convert


def _bundle_path(vl: Any) -> Path:
    import platformdirs

    versions = "-".join(str(v).replace("/", "_") for v in (
        getattr(vl, "__version__", "x"), vl.get_vega_version(), vl.get_vega_embed_version()))
    folder = Path(platformdirs.user_cache_dir("intervals-icu", appauthor=False))
    return folder / f"vega-bundle-{versions}.js"


_MEMORY: dict[str, str] = {}


def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (``window.vegaEmbed``)."""
    vl = _vl_convert()
    path = _bundle_path(vl)
    key = str(path)
    if key in _MEMORY:
        return _MEMORY[key]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    if "vegaEmbed" not in text:
        text = vl.javascript_bundle()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
        except OSError:
            pass  # a cache that cannot be written is only slower
    _MEMORY[key] = text
    return text


def to_png(spec: dict[str, Any], *, scale: float = 1.0) -> bytes:
    """The chart as a PNG image, rendered without a browser."""
    vl = _vl_convert()
    data: bytes = vl.vegalite_to_png(spec, scale=scale)
    return data
