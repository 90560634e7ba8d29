"""JSON-safe values for ``summary.json`` and every ``--json`` output.

Results hold numpy scalars and arrays, datetimes, paths and NaN (a metric that does not
apply); :func:`jsonable` turns them into plain JSON values, NaN and infinities into
``null``.
"""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["jsonable"]


def jsonable(x: Any) -> Any:
    """Make numpy scalars/arrays, datetimes, paths and NaN JSON-safe (NaN -> None).

    Dictionaries and sequences are converted recursively (keys become strings); other
    values with an ``isoformat`` method (dates, times) become ISO strings.
    """
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, datetime):
        return x.isoformat().replace("+00:00", "Z")
    if isinstance(x, Path):
        return str(x)
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x
