"""The installed version of hgv-coverage (``hgvcov version``, ``summary.json``)."""
from __future__ import annotations

__all__ = ["package_version"]


def package_version() -> str:
    """Installed version of hgv-coverage (``"0+unknown"`` when it is not installed)."""
    # importlib.metadata costs ~30 ms to import: loaded here, not on every `hgvcov --help`.
    from importlib.metadata import version
    try:
        return version("hgv-coverage")
    except Exception:  # pragma: no cover - not installed, or unreadable metadata
        return "0+unknown"
