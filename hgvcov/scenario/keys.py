"""Key paths into a scenario dictionary: ``constellation[0].total``, ``sensor.field_of_regard_deg``.

:func:`get_key` reads and :func:`set_key` writes (on a copy) the value a key path names,
as a scenario error would name it.
"""
from __future__ import annotations

import copy
from typing import Any

from .errors import ScenarioError

__all__ = ["get_key", "set_key"]


def _parse_key(key: str) -> list[str | int]:
    """``"a[2].b"`` -> ``["a", 2, "b"]``."""
    parts: list[str | int] = []
    for dotted in key.split("."):
        if not dotted:
            raise ScenarioError(f"bad key path {key!r}", key=key)
        name, _, rest = dotted.partition("[")
        if name:
            parts.append(name)
        while rest:
            idx, _, rest = rest.partition("]")
            if not idx.isdigit():
                raise ScenarioError(f"bad key path {key!r}: index {idx!r} is not an integer",
                                    key=key)
            parts.append(int(idx))
            rest = rest[1:] if rest.startswith("[") else rest
    return parts


def get_key(data: dict, key: str) -> Any:
    """Value at a key path such as ``constellation[0].total`` (KeyError if absent)."""
    node: Any = data
    for part in _parse_key(key):
        node = node[part]
    return node


def set_key(data: dict, key: str, value: Any) -> dict:
    """Return a deep copy of ``data`` with ``key`` (a key path) set to ``value``.

    Missing tables on the way are created; list indices must exist.
    """
    out = copy.deepcopy(data)
    node: Any = out
    parts = _parse_key(key)
    for part, nxt in zip(parts[:-1], parts[1:]):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                raise ScenarioError(f"{key}: index {part} does not exist in the base scenario",
                                    key=key)
            node = node[part]
        else:
            if not isinstance(node, dict):
                raise ScenarioError(f"{key}: {part!r} is not inside a table", key=key)
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise ScenarioError(f"{key}: index {last} does not exist in the base scenario",
                                key=key)
    elif not isinstance(node, dict):
        raise ScenarioError(f"{key}: {last!r} is not inside a table", key=key)
    node[last] = value
    return out
