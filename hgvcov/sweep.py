"""Parameter sweeps on Dask: ``hgvcov sweep SWEEP.toml [-o DIR] [--scheduler ADDRESS [--connect-timeout S]]``.

A sweep file names a base scenario and lists values for dotted key paths into it::

    base = "japan.toml"                          # relative to the sweep file
    [grid]                                       # cartesian product of every list
    "constellation[0].total" = [28, 54, 72]
    "sensor.field_of_regard_deg" = [100, 110, 120]

    [plot]                                       # optional: the sweep plot's axes
    x = "constellation[0].total"                 # default: a swept ``...total`` key
    y = "fraction_stereo_mean"                   # default: the region mean stereo fraction
    line_by = "sensor.field_of_regard_deg"       # default: another swept key

Every case (one combination of values) is the base scenario with those keys
replaced, validated by :func:`hgvcov.scenario.scenario_from_dict` and run by
:func:`hgvcov.run.run_scenario` (without maps) as one Dask task.

Resumability
------------
``DIR/cases/<case_id>.json`` is written (temporary name, then renamed) as soon as a
case finishes, by the worker and again by the client.  ``case_id`` is a stable hash
of the case's overrides, so rerunning the same sweep skips every case whose file
exists and whose recorded base-scenario hash still matches; a worker that dies
loses only the case it was running.  A case that fails (its scenario is refused
when run, e.g. too big for memory, or a worker dies) does not stop the sweep: it is
recorded in the table with its error (``status`` ``error``) and retried on the next
run; ``hgvcov sweep`` then lists every failed case on stderr (case id, swept values,
reason) and exits 3.  Each case's own outputs
(``coverage.nc``, ``summary.json``, ``tracks.csv``) stay in ``DIR/cases/<case_id>/``.
``DIR/sweep.csv`` (one row per case: ``case_id``, one column per swept key named by
the key, then the region statistics of ``summary.json`` flattened with ``.``) and
``DIR/sweep.png`` are assembled from the case files and written atomically.

Dask
----
Without ``scheduler`` a :class:`dask.distributed.LocalCluster` sized to the machine
runs the cases (one single-threaded worker process per case slot; each case's numba
kernels get ``cores // workers`` threads).  With ``scheduler="tcp://host:8786"`` the
cases go to an existing ``dask scheduler`` (checked before any case runs: a malformed
address, or one where no scheduler answers within ``connect_timeout``, 10 s by default,
is a :class:`SweepError`); its workers need hgv-coverage installed
and, for the worker-side case files, ``DIR`` on a shared file system (the client
writes every case file it receives as well, so results are never lost either way).

numba's on-disk cache is not safe against several processes compiling the same
function into it at once, so before dispatching, the smallest pending case is run
in this process (plus the smallest case of every value of a swept string/boolean
key, which may select other kernels): it compiles (or loads) every kernel the
pipeline uses, and the workers then only load from the cache.  On a multi-machine cluster, warm each
machine's cache once the same way (e.g. run one small scenario there).
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import itertools
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numba
import numpy as np
import pandas as pd

from . import run
from .progress import make_progress
from .scenario import ScenarioError, scenario_from_dict

__all__ = [
    "SweepError",
    "SweepSpec",
    "SweepCase",
    "parse_key_path",
    "get_path",
    "set_path",
    "load_sweep",
    "run_sweep",
    "case_id",
    "sweep_table",
    "quiet_dask_shutdown",
    "connect_scheduler",
    "DEFAULT_CONNECT_TIMEOUT_S",
]

CASES_DIR = "cases"
SWEEP_CSV = "sweep.csv"
SWEEP_PNG = "sweep.png"
_TOP_KEYS = {"base", "grid", "plot", "name", "description"}
#: Per-threat results of summary.json copied into sweep.csv as ``threat.<name>.<field>``.
THREAT_COLUMNS = ("custody_fraction", "stereo_fraction", "first_stereo_s", "warning_time_s", "radar_warning_time_s")
_PLOT_KEYS = {"x", "y", "line_by"}


class SweepError(ValueError):
    """Bad sweep file or key path; the message names the key, the value and what is allowed.

    Attributes
    ----------
    key : str or None
        The sweep key (dotted path) or sweep-file key at fault.
    value : Any
        The offending value.
    allowed : str or None
        What would have been accepted.
    """

    def __init__(self, message: str, key: str | None = None, value: Any = None, allowed: str | None = None):
        super().__init__(message)
        self.key = key
        self.value = value
        self.allowed = allowed


# --------------------------------------------------------------------------- key paths

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)((?:\[\d+\])*)")


def parse_key_path(key: str) -> tuple[str | int, ...]:
    """Split a dotted key path into table keys (str) and array indices (int).

    ``"constellation[0].total"`` -> ``("constellation", 0, "total")``;
    ``"region.lat_deg[1]"`` -> ``("region", "lat_deg", 1)``.

    Raises
    ------
    SweepError
        The path is not ``name[index]...(.name[index]...)*``.
    """
    if not isinstance(key, str) or not key:
        raise SweepError(f"sweep key {key!r} is not a key path", key=key, value=key,
                         allowed='dotted names with [index], e.g. "constellation[0].total"')
    out: list[str | int] = []
    for part in key.split("."):
        m = _SEGMENT.fullmatch(part)
        if m is None:
            raise SweepError(
                f"sweep key {key!r}: segment {part!r} is not 'name' or 'name[index]'",
                key=key, value=key, allowed='dotted names with [index], e.g. "constellation[0].total"',
            )
        out.append(m.group(1))
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(out)


def _walk(data: Any, path: tuple, key: str, create_leaf: bool = False):
    """(parent container, last path element) for ``path`` in ``data``; checks every step exists."""
    node = data
    for depth, step in enumerate(path[:-1]):
        node = _step(node, step, key, path[: depth + 1])
    last = path[-1]
    shown = _show(path)
    if isinstance(last, int):
        _check_index(node, last, key, path[:-1])
    else:
        if not isinstance(node, dict):
            raise SweepError(f"sweep key {key!r}: {_show(path[:-1])} is not a table", key=key, value=None,
                             allowed="a key of a table")
        if last not in node and not create_leaf:
            raise SweepError(f"sweep key {key!r}: {shown} is not in the base scenario; keys there: "
                             f"{sorted(node)}", key=key, value=None, allowed=str(sorted(node)))
    return node, last


def _check_index(node, index, key, parent):
    """Raise SweepError unless ``node`` (reached by path ``parent``) is an array holding ``[index]``."""
    if not isinstance(node, list):
        raise SweepError(f"sweep key {key!r}: {_show(parent)} is not an array, cannot index [{index}]",
                         key=key, value=index, allowed="an index into an array")
    if not 0 <= index < len(node):
        raise SweepError(f"sweep key {key!r}: index [{index}] is out of range; {_show(parent)} has "
                         f"{len(node)} entries (allowed 0..{len(node) - 1})",
                         key=key, value=index, allowed=f"0..{len(node) - 1}")


def _step(node, step, key, sofar):
    if isinstance(step, int):
        _check_index(node, step, key, sofar[:-1])
        return node[step]
    if not isinstance(node, dict) or step not in node:
        keys = sorted(node) if isinstance(node, dict) else []
        raise SweepError(f"sweep key {key!r}: {_show(sofar)} is not in the base scenario"
                         + (f"; keys there: {keys}" if keys else ""),
                         key=key, value=None, allowed=str(keys))
    return node[step]


def _show(path) -> str:
    s = ""
    for p in path:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if s else p)
    return s or "<scenario>"


def get_path(data: Mapping, key: str) -> Any:
    """Value at a dotted key path (``SweepError`` naming the key when absent)."""
    parent, last = _walk(data, parse_key_path(key), key)
    return parent[last]


def set_path(data: dict, key: str, value: Any, create_leaf: bool = True) -> None:
    """Set the value at a dotted key path in place.

    Every table and array on the way must exist; the last table key may be new
    when ``create_leaf`` (an optional scenario key the base leaves at its default;
    the scenario schema still validates it).
    """
    parent, last = _walk(data, parse_key_path(key), key, create_leaf=create_leaf)
    parent[last] = value


def _kind(v) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "table"
    return type(v).__name__


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class SweepCase:
    """One combination of swept values."""

    case_id: str
    overrides: dict  # key path -> value, in the order of the sweep file


@dataclass
class SweepSpec:
    """A validated sweep file.

    Attributes
    ----------
    path : Path
        The sweep file.
    base_path : Path
        The base scenario (resolved relative to the sweep file).
    base : dict
        The base scenario as TOML parses it.
    base_sha256 : str
        Hash of the base scenario's content (a case file with another hash is stale).
    grid : dict[str, list]
        Swept key -> values, in file order.
    name : str
    plot : dict
        Optional ``x``, ``y``, ``line_by`` of the sweep plot.
    cases : list of SweepCase
        The cartesian product, first key varying slowest.
    """

    path: Path
    base_path: Path
    base: dict
    base_sha256: str
    grid: dict
    name: str = ""
    plot: dict = field(default_factory=dict)
    cases: list = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return list(self.grid)

    def case_scenario_dict(self, case: SweepCase) -> dict:
        """The base scenario dict with the case's overrides applied (a deep copy)."""
        d = copy.deepcopy(self.base)
        for k, v in case.overrides.items():
            set_path(d, k, copy.deepcopy(v))
        return d


def case_id(overrides: Mapping[str, Any]) -> str:
    """Stable 16-hex-digit id of a case: SHA-256 of its overrides as canonical JSON.

    Integers and floats that are equal hash alike (``1000`` == ``1000.0``) so that
    editing a sweep file from ``1000`` to ``1000.0`` does not recompute a case.
    """

    def norm(v):
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and math.isfinite(v) and float(v) == int(v):
            return int(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v

    canon = json.dumps({k: norm(v) for k, v in overrides.items()}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]


def _validate_values(key: str, values: Any, base: dict) -> list:
    if not isinstance(values, list):
        raise SweepError(f"grid key {key!r} = {values!r}: the values must be a list, e.g. [{values!r}]",
                         key=key, value=values, allowed="a non-empty list of values")
    if not values:
        raise SweepError(f"grid key {key!r} = []: the list of values is empty", key=key, value=values,
                         allowed="a non-empty list of values")
    parse_key_path(key)
    parent, last = _walk(base, parse_key_path(key), key, create_leaf=True)
    present = isinstance(last, int) or last in parent
    if present:
        base_value = parent[last]
        want = _kind(base_value)
        for v in values:
            got = _kind(v)
            if got != want:
                raise SweepError(
                    f"grid key {key!r}: value {v!r} is a {got} but the base scenario's value "
                    f"{base_value!r} is a {want}; allowed: {want} values",
                    key=key, value=v, allowed=f"{want} values",
                )
    else:
        for v in values:
            if _kind(v) == "table":
                raise SweepError(f"grid key {key!r}: value {v!r} is a table; allowed: numbers, strings, booleans "
                                 "or arrays", key=key, value=v, allowed="numbers, strings, booleans or arrays")
    ids = [case_id({key: v}) for v in values]
    if len(set(ids)) != len(ids):
        dup = next(v for v, i in zip(values, ids) if ids.count(i) > 1)
        raise SweepError(f"grid key {key!r}: value {dup!r} is listed twice", key=key, value=dup,
                         allowed="distinct values")
    return values


def load_sweep(path, validate_cases: bool = True) -> SweepSpec:
    """Read and validate a sweep file.

    Checks: the sweep file's own keys (``base``, ``[grid]``, optional ``name``,
    ``[plot]``); the base scenario exists and parses; every grid key is a key
    path whose tables/arrays exist in the base scenario (a final key may be an
    optional one the base omits); every value list is non-empty, without
    duplicates, of the base value's type; and, with ``validate_cases``, every
    case validates as a scenario (so a bad value is refused before any work).

    Parameters
    ----------
    path : str or Path
    validate_cases : bool

    Returns
    -------
    SweepSpec

    Raises
    ------
    SweepError
        Naming the key, the value and what is allowed.
    """
    path = Path(path)
    if not path.is_file():
        raise SweepError(f"sweep file not found: {path}", key=None, value=str(path), allowed="an existing TOML file")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: TOML syntax error: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError(f"cannot read sweep file {path}: {exc}") from None
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise SweepError(f"{path}: unknown key {unknown[0]!r}; allowed: {sorted(_TOP_KEYS)}",
                         key=unknown[0], value=doc[unknown[0]], allowed=str(sorted(_TOP_KEYS)))
    base_rel = doc.get("base")
    if not isinstance(base_rel, str) or not base_rel:
        raise SweepError(f"{path}: base = {base_rel!r}; allowed: the path of the base scenario TOML, relative to "
                         "the sweep file", key="base", value=base_rel, allowed="a scenario file path")
    base_path = (path.resolve().parent / base_rel).resolve()
    if not base_path.is_file():
        raise SweepError(f"{path}: base = {base_rel!r}: scenario file {base_path} not found", key="base",
                         value=base_rel, allowed="an existing scenario TOML, relative to the sweep file")
    raw = base_path.read_bytes()
    try:
        base = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path}: base scenario {base_path}: {exc}", key="base", value=base_rel) from None
    grid = doc.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise SweepError(f"{path}: [grid] = {grid!r}; allowed: a table of key paths, each with a list of values",
                         key="grid", value=grid, allowed='e.g. "constellation[0].total" = [28, 54]')
    checked = {k: _validate_values(k, v, base) for k, v in grid.items()}
    plot = doc.get("plot", {})
    if not isinstance(plot, dict):
        raise SweepError(f"{path}: plot = {plot!r}; allowed: a table with x, y, line_by", key="plot", value=plot)
    for k, v in plot.items():
        if k not in _PLOT_KEYS:
            raise SweepError(f"{path}: unknown key 'plot.{k}'; allowed: {sorted(_PLOT_KEYS)}", key=f"plot.{k}",
                             value=v, allowed=str(sorted(_PLOT_KEYS)))
        if k in ("x", "line_by") and v not in checked:
            raise SweepError(f"{path}: plot.{k} = {v!r} is not a swept key; allowed: {list(checked)}",
                             key=f"plot.{k}", value=v, allowed=str(list(checked)))
    name = doc.get("name", path.stem)
    if not isinstance(name, str):
        raise SweepError(f"{path}: name = {name!r}; allowed: a string", key="name", value=name, allowed="a string")

    cases = []
    keys = list(checked)
    for combo in itertools.product(*(checked[k] for k in keys)):
        overrides = dict(zip(keys, combo))
        cases.append(SweepCase(case_id(overrides), overrides))
    spec = SweepSpec(
        path=path.resolve(), base_path=base_path, base=base, base_sha256=hashlib.sha256(raw).hexdigest(),
        grid=checked, name=name, plot=dict(plot), cases=cases,
    )
    if validate_cases:
        for case in cases:
            _case_scenario(spec, case)
    return spec


def _case_scenario(spec: SweepSpec, case: SweepCase):
    """Validate a case as a scenario; a ScenarioError becomes a SweepError naming the swept keys."""
    try:
        return scenario_from_dict(spec.case_scenario_dict(case), spec.base_path.parent,
                                  source=spec.base_path.name)
    except ScenarioError as exc:
        bad_key = getattr(exc, "key", None)
        culprit = next((k for k in case.overrides if bad_key and _same_key(k, bad_key)), None)
        if culprit is not None:
            raise SweepError(
                f"grid key {culprit!r} = {case.overrides[culprit]!r}: {exc}",
                key=culprit, value=case.overrides[culprit], allowed=getattr(exc, "allowed", None),
            ) from None
        raise SweepError(f"case {_fmt_overrides(case.overrides)}: {exc}", key=bad_key,
                         value=getattr(exc, "value", None), allowed=getattr(exc, "allowed", None)) from None


def _same_key(sweep_key: str, scenario_key: str) -> bool:
    a = _show(parse_key_path(sweep_key))
    b = str(scenario_key).replace(" ", "")
    return b == a or b.startswith(a + ".") or b.startswith(a + "[") or a.startswith(b + ".")


def _fmt_overrides(o: Mapping) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in o.items())


# --------------------------------------------------------------------------- running


def _write_json_atomic(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, default=_json_default)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _json_default(o):
    """``json.dump`` fallback: numpy scalars and arrays as Python values, anything else as str."""
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _read_case_file(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # half-written by an older tool or corrupted: recompute


def _case_result_payload(case_id_: str, overrides: dict, base_sha256: str, summary: dict, elapsed_s: float) -> dict:
    return {
        "case_id": case_id_,
        "status": "ok",
        "overrides": overrides,
        "base_sha256": base_sha256,
        "elapsed_s": elapsed_s,
        "summary": summary,
    }


def _run_case(payload: dict) -> dict:
    """Dask task: run one case and write its case file; returns the case-file contents.

    ``payload`` holds plain data only (so it pickles to any worker): ``case_id``,
    ``overrides``, ``scenario`` (the scenario dict), ``base_dir``, ``base_sha256``,
    ``out_dir`` and ``numba_threads``.
    """
    t0 = time.perf_counter()
    cid = payload["case_id"]
    out_dir = Path(payload["out_dir"])
    try:
        threads = payload.get("numba_threads")
        if threads:
            numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
        scenario = scenario_from_dict(payload["scenario"], payload["base_dir"], source=f"sweep case {cid}")
        summary = _runner()(scenario, out_dir / CASES_DIR / cid, maps=False, exports=False)
        result = _case_result_payload(cid, payload["overrides"], payload["base_sha256"], dict(summary),
                                      time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - a failed case is reported in the table, the sweep goes on
        result = {
            "case_id": cid,
            "status": "error",
            "overrides": payload["overrides"],
            "base_sha256": payload["base_sha256"],
            "elapsed_s": time.perf_counter() - t0,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=8),
        }
    name = f"{cid}.json" if result["status"] == "ok" else f"{cid}.error.json"
    try:
        _write_json_atomic(out_dir / CASES_DIR / name, result)
        if result["status"] == "ok":
            stale = out_dir / CASES_DIR / f"{cid}.error.json"
            if stale.exists():
                stale.unlink()
    except OSError:
        pass  # worker without the shared folder: the client writes it from the returned result
    return result


def _runner() -> Callable:
    """The case runner (``hgvcov.run.run_scenario``); a function so tests can replace it."""
    return run.run_scenario


def _flatten(prefix: str, obj: Any, out: dict) -> None:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(obj, (list, tuple)):
        out[prefix] = json.dumps(obj, default=_json_default)
    else:
        out[prefix] = obj


def sweep_table(spec: SweepSpec, out_dir) -> pd.DataFrame:
    """``sweep.csv`` rows assembled from the case files in ``out_dir/cases``.

    Columns: ``case_id``, one per swept key (named by the key), ``status``
    (``ok``, ``error`` or ``pending``), the region statistics of each case's
    ``summary.json`` flattened with ``.`` (``fraction_stereo.mean`` for a nested
    ``{"fraction_stereo": {"mean": ...}}``), ``threat.<name>.<field>`` for the
    per-threat fields in :data:`THREAT_COLUMNS` when the scenario flies threats,
    then ``n_satellites``, ``total_s`` and ``error``.
    """
    cases_dir = Path(out_dir) / CASES_DIR
    rows = []
    for case in spec.cases:
        row: dict[str, Any] = {"case_id": case.case_id}
        row.update(case.overrides)
        ok = _read_case_file(cases_dir / f"{case.case_id}.json")
        err = _read_case_file(cases_dir / f"{case.case_id}.error.json")
        if ok is not None and ok.get("base_sha256") == spec.base_sha256 and ok.get("status") == "ok":
            row["status"] = "ok"
            summary = ok.get("summary", {})
            stats: dict = {}
            _flatten("", summary.get("region_statistics", {}), stats)
            row.update(stats)
            per_threat = summary.get("per_threat") or {}
            if isinstance(per_threat, Mapping):
                for tname, res in per_threat.items():
                    if isinstance(res, Mapping):
                        for fld in THREAT_COLUMNS:
                            if fld in res:
                                row[f"threat.{tname}.{fld}"] = res[fld]
            row["n_satellites"] = _get_nested(summary, ("constellation", "n_satellites"))
            row["total_s"] = _get_nested(summary, ("timings", "total_s"))
            row["error"] = ""
        elif err is not None and err.get("base_sha256") == spec.base_sha256:
            row["status"] = "error"
            row["error"] = err.get("error", "")
        else:
            row["status"] = "pending"
            row["error"] = ""
        rows.append(row)
    df = pd.DataFrame(rows)
    tail = [c for c in ("n_satellites", "total_s", "error") if c in df.columns]
    head = ["case_id", *spec.keys, "status"]
    middle = [c for c in df.columns if c not in head and c not in tail]
    return df[head + middle + tail]


def _get_nested(d, path):
    for p in path:
        if not isinstance(d, Mapping) or p not in d:
            return None
        d = d[p]
    return d


def _is_done(spec: SweepSpec, out_dir: Path, case: SweepCase) -> bool:
    data = _read_case_file(out_dir / CASES_DIR / f"{case.case_id}.json")
    return bool(data) and data.get("status") == "ok" and data.get("base_sha256") == spec.base_sha256


def _cost(scenario) -> float:
    """Rough work of a case: satellites x points x time steps (for picking the warm-up case)."""
    try:
        n_sat = len(scenario.build_satellites())
    except Exception:  # noqa: BLE001
        n_sat = 1
    try:
        n_time = scenario.time.count
    except Exception:  # noqa: BLE001
        n_time = 1
    try:
        r = scenario.region
        n_point = r.n_lat * r.n_lon if r.kind != "points" else 1
    except Exception:  # noqa: BLE001
        n_point = 1
    return float(n_sat) * float(n_point) * float(n_time)


def _warm_cases(spec: SweepSpec, pending: list) -> list:
    """Cases to run in this process before dispatching, so that workers only load numba's cache.

    The cheapest pending case, plus, for every swept key with string or boolean
    values (a propagator, a constellation kind, ... which can select other
    kernels), the cheapest pending case for each value not yet covered.
    Numeric values never change the compiled signatures (the schema passes
    them on as float64/int64 arrays), so they need no extra warm-up.
    """
    cost = {c.case_id: _cost(_case_scenario(spec, c)) for c in pending}
    by_cost = sorted(pending, key=lambda c: cost[c.case_id])
    chosen = [by_cost[0]]
    for key, values in spec.grid.items():
        if not any(isinstance(v, (str, bool)) for v in values):
            continue
        for v in values:
            if any(c.overrides[key] == v for c in chosen):
                continue
            match = next((c for c in by_cost if c.overrides[key] == v), None)
            if match is not None and match not in chosen:
                chosen.append(match)
    return chosen


def _default_workers(n_pending: int, case_memory_bytes: float | None = None) -> int:
    """Workers for a LocalCluster: one per core, at most one per pending case, and no more
    than the available memory holds cases of the largest estimated size at once."""
    cores = os.cpu_count() or 1
    workers = max(1, min(n_pending, cores))
    if case_memory_bytes:
        try:
            fit = int(run.available_memory_bytes() // (1.25 * float(case_memory_bytes)))
            workers = max(1, min(workers, fit))
        except Exception:  # noqa: BLE001 - no estimate: cores decide
            pass
    return workers


def _case_memory_bytes(scenario) -> float | None:
    """Estimated peak memory of one case (``hgvcov.run.estimate_run``), None if unknown."""
    try:
        r = scenario.region
        n_point = len(r.points) if r.kind == "points" else r.n_lat * r.n_lon
        est = run.estimate_run(len(scenario.build_satellites()), n_point, scenario.time.count,
                           n_threat=len(scenario.threat or []), n_lon=None if r.kind == "points" else r.n_lon,
                           availability=getattr(scenario.analysis, "satellite_availability", None) is not None)
        return float(est["memory_bytes"])
    except Exception:  # noqa: BLE001
        return None


def _pick_plot_axes(spec: SweepSpec, df: pd.DataFrame) -> tuple[str | None, str | None, str | None]:
    keys = spec.keys
    numeric = [k for k in keys if pd.api.types.is_numeric_dtype(df[k]) and not pd.api.types.is_bool_dtype(df[k])]
    x = spec.plot.get("x")
    if x is None:
        totals = [k for k in numeric if k.endswith(".total")]
        if totals:
            x = totals[0]
        elif "n_satellites" in df.columns and df["n_satellites"].nunique(dropna=True) > 1:
            x = "n_satellites"
        elif numeric:
            x = numeric[0]
    y = spec.plot.get("y")
    if y is None:
        cands = [c for c in df.columns if "fraction_stereo" in c and "gap" not in c]
        prefs = [c for c in cands if re.search(r"(^|[._])mean($|[._])|_mean$|^mean", c)]
        pool = prefs or cands
        y = pool[0] if pool else None
    line_by = spec.plot.get("line_by")
    if line_by is None:
        others = [k for k in keys if k != x]
        pref = [k for k in others if k.endswith(("altitude_km", "field_of_regard_deg"))]
        line_by = (pref or others or [None])[0]
    return x, y, line_by


#: Seconds :func:`run_sweep` waits for a ``dask scheduler`` given by address to answer.
DEFAULT_CONNECT_TIMEOUT_S = 10.0
_SCHEDULER_ALLOWED = "the address of a running dask scheduler reachable from here, e.g. tcp://host:8786"
_SCHEDULER_HINT = "omit --scheduler to run on a LocalCluster on this machine"


def connect_scheduler(address: str, timeout: float = DEFAULT_CONNECT_TIMEOUT_S):
    """A :class:`dask.distributed.Client` of the ``dask scheduler`` at ``address``.

    The address is first probed with one plain connection attempt of at most
    ``timeout`` seconds (in a thread of its own, so this works inside a running event
    loop too), so that a malformed address or one where no scheduler answers is a
    :class:`SweepError` (bad input, exit code 2) after ``timeout`` at most, and no
    half-built Client is left behind to complain at exit.

    Parameters
    ----------
    address : str
        ``tcp://host:port`` (or another scheme dask supports: tls, ws, wss, ucx).
    timeout : float
        Seconds to wait for the scheduler to answer (> 0).

    Returns
    -------
    dask.distributed.Client

    Raises
    ------
    SweepError
        The address is malformed, or no scheduler answered within ``timeout``.
    """
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise SweepError(f"connect timeout {timeout!r}: allowed: a number of seconds > 0",
                         key="--connect-timeout", value=timeout, allowed="a number of seconds > 0")
    if not isinstance(address, str) or not address.strip():
        raise SweepError(f"--scheduler {address!r} is not an address; allowed: {_SCHEDULER_ALLOWED} "
                         f"({_SCHEDULER_HINT})",
                         key="--scheduler", value=address, allowed=_SCHEDULER_ALLOWED)
    from dask.distributed import Client  # see _dispatch

    problem = _probe_scheduler(address, timeout)
    if problem is None:
        try:
            return Client(address, timeout=timeout)
        except (OSError, ValueError) as exc:  # went away between the probe and now
            problem = _scheduler_problem(address, timeout, exc)
    raise SweepError(problem, key="--scheduler", value=address, allowed=_SCHEDULER_ALLOWED)


def _scheduler_problem(address: str, timeout: float, exc: BaseException) -> str:
    """The message of a failed connection to ``address`` (malformed or unreachable)."""
    if isinstance(exc, ValueError):
        return (f"--scheduler {address!r} is not a valid scheduler address ({exc}); "
                f"allowed: {_SCHEDULER_ALLOWED} ({_SCHEDULER_HINT})")
    return (f"--scheduler {address!r}: no dask scheduler answered within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); allowed: {_SCHEDULER_ALLOWED} (or a longer "
            f"--connect-timeout; {_SCHEDULER_HINT})")


def _probe_scheduler(address: str, timeout: float) -> str | None:
    """None when a connection to ``address`` opens within ``timeout`` s, else the message."""
    import asyncio

    from distributed.comm import connect

    outcome: list = []

    async def probe():
        comm = await connect(address, timeout=timeout)
        await comm.close()

    def target():
        try:
            asyncio.run(probe())
            outcome.append(None)
        except (OSError, ValueError, TypeError, asyncio.TimeoutError) as exc:
            outcome.append(exc)
        except Exception as exc:  # noqa: BLE001 - anything else the comm layer raises for an address
            outcome.append(OSError(f"{type(exc).__name__}: {exc}"))

    thread = threading.Thread(target=target, name="hgvcov-scheduler-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if not outcome:
        return _scheduler_problem(address, timeout, TimeoutError("no answer"))
    exc = outcome[0]
    if exc is None:
        return None
    if isinstance(exc, TypeError):
        exc = ValueError(str(exc))
    return _scheduler_problem(address, timeout, exc)


def run_sweep(path, out_dir, scheduler=None, progress=None, n_workers: int | None = None,
              processes: bool = True, warm: bool = True,
              connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S) -> pd.DataFrame:
    """Run every case of a sweep on Dask and write ``sweep.csv`` and ``sweep.png``.

    Parameters
    ----------
    path : str or Path
        The sweep TOML file.
    out_dir : str or Path
        Output folder (created): ``cases/<case_id>.json``, ``cases/<case_id>/``,
        ``sweep.csv``, ``sweep.png``.
    scheduler : str or dask.distributed.Client, optional
        Address of an existing ``dask scheduler`` (``tcp://host:8786``) or a
        Client; default a LocalCluster sized to this machine.
    progress : hgvcov.progress.Progress, optional
        Progress reporter; default rich bars when stderr is a terminal.
    n_workers : int, optional
        LocalCluster workers (default: one per core, at most one per pending case,
        and only as many as the available memory holds at the largest case's
        estimated size).
    processes : bool
        LocalCluster with worker processes (default) or threads (tests).
    warm : bool
        Run the smallest pending case in this process first (compiles the numba
        cache once before workers load it).
    connect_timeout : float
        Seconds to wait for a scheduler given by address (checked before any case
        runs; see :func:`connect_scheduler`).

    Returns
    -------
    pandas.DataFrame
        The ``sweep.csv`` table.  A case that failed (its ``status`` is
        ``error``, the reason in ``error``) does not stop the sweep; the caller
        decides what that means (``hgvcov sweep`` lists them and exits 3).

    Raises
    ------
    SweepError
        Bad sweep file, or a scheduler address that is malformed or where no
        scheduler answers within ``connect_timeout`` (nothing is run).
    """
    spec = load_sweep(path)
    out_dir = Path(out_dir)
    pending = [c for c in spec.cases if not _is_done(spec, out_dir, c)]
    client = None
    if pending and isinstance(scheduler, str):
        client = connect_scheduler(scheduler, connect_timeout)  # before any work or output
        scheduler = client
    try:
        return _run_pending(spec, out_dir, pending, scheduler, progress, n_workers, processes, warm)
    finally:
        if client is not None:
            client.close()


def _run_pending(spec: SweepSpec, out_dir: Path, pending: list, scheduler, progress, n_workers,
                 processes: bool, warm: bool) -> pd.DataFrame:
    """The body of :func:`run_sweep` once the cases left to run are known."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CASES_DIR).mkdir(exist_ok=True)
    if progress is None:
        progress = make_progress(enabled=True)
    task = progress.task(f"sweep {spec.name}", len(spec.cases))
    done = len(spec.cases) - len(pending)
    task(done, len(spec.cases))

    def payload(case, threads=None):
        return {
            "case_id": case.case_id,
            "overrides": case.overrides,
            "scenario": spec.case_scenario_dict(case),
            "base_dir": str(spec.base_path.parent),
            "base_sha256": spec.base_sha256,
            "out_dir": str(out_dir.resolve()),
            "numba_threads": threads,
        }

    def record(result):
        nonlocal done
        name = f"{result['case_id']}.json" if result.get("status") == "ok" else f"{result['case_id']}.error.json"
        target = out_dir / CASES_DIR / name
        if _read_case_file(target) != result:
            _write_json_atomic(target, result)
        done += 1
        task(done, len(spec.cases))

    try:
        if pending and warm:
            pending = _warm_up(spec, pending, payload, record)
        if pending:
            if scheduler is None and n_workers is None:
                mems = [m for m in (_case_memory_bytes(_case_scenario(spec, c)) for c in pending) if m]
                n_workers = _default_workers(len(pending), max(mems) if mems else None)
            _dispatch(pending, payload, record, scheduler, n_workers, processes)
    finally:
        task.close()
        df = sweep_table(spec, out_dir)
        _write_csv_atomic(df, out_dir / SWEEP_CSV)
    _plot(spec, df, out_dir)
    return df


def _warm_up(spec: SweepSpec, pending: list, payload: Callable, record: Callable) -> list:
    """Run the warm-up cases (:func:`_warm_cases`) in this process; returns the cases left.

    A warm-up case refused before reaching the kernels (e.g. too big for memory) compiles
    nothing: then the next cheapest cases are warmed with, a few at most.
    """
    warm_ok = False
    for case in _warm_cases(spec, pending):
        result = _run_case(payload(case))
        warm_ok |= result.get("status") == "ok"
        record(result)
        pending = [c for c in pending if c is not case]
    tries = 0
    while pending and not warm_ok and tries < 2:
        case = min(pending, key=lambda c: _cost(_case_scenario(spec, c)))
        result = _run_case(payload(case))
        warm_ok = result.get("status") == "ok"
        record(result)
        pending = [c for c in pending if c is not case]
        tries += 1
    return pending


def _plot(spec: SweepSpec, df: pd.DataFrame, out_dir: Path) -> None:
    """Draw sweep.png from the finished cases (nothing when no axes or no case is ok)."""
    x, y, line_by = _pick_plot_axes(spec, df)
    ok = df[df["status"] == "ok"]
    if x is None or y is None or not len(ok) or y not in ok.columns:
        return
    # matplotlib loads here, at the end, not in every Dask worker that imports this module.
    from .plots import plot_sweep

    plot_df = ok.copy()
    plot_df[y] = pd.to_numeric(plot_df[y], errors="coerce")
    base_name = spec.base.get("name", spec.base_path.stem)
    plot_sweep(plot_df, x, y, line_by, out_dir / SWEEP_PNG, title=f"Sweep {spec.name} of {base_name!r}")


def _dispatch(pending, payload, record, scheduler, n_workers, processes):
    # dask.distributed (about a second to import) loads only when cases are left to dispatch.
    from dask.distributed import Client, as_completed

    cluster = None
    own_client = True
    if scheduler is None:
        workers = n_workers or _default_workers(len(pending))
        cores = os.cpu_count() or 1
        threads = max(1, cores // workers)
        cluster = _local_cluster(workers, processes)
        client = Client(cluster)
    elif isinstance(scheduler, str):
        threads = None
        client = connect_scheduler(scheduler)
    else:  # an existing Client
        threads = None
        client = scheduler
        own_client = False
    futures = []
    try:
        futures = [
            client.submit(_run_case, payload(c, threads), key=f"hgvcov-case-{c.case_id}", pure=False)
            for c in pending
        ]
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - worker died (KilledWorker) etc.: keep going
                cid = str(fut.key).removeprefix("hgvcov-case-")
                case = next(c for c in pending if c.case_id == cid)
                p = payload(case)
                result = {
                    "case_id": cid, "status": "error", "overrides": p["overrides"],
                    "base_sha256": p["base_sha256"], "elapsed_s": None,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            record(result)
    except BaseException:
        # Ctrl-C or a client-side failure: stop what is still queued (finished cases are on disk).
        try:
            client.cancel([f for f in futures if not f.done()])
        except Exception:  # noqa: BLE001 - the cluster may already be gone
            pass
        raise
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()


def _local_cluster(workers: int, processes: bool):
    """A LocalCluster whose worker processes ignore SIGINT.

    Ctrl-C in a terminal signals the whole foreground process group; worker
    processes started while SIGINT is ignored keep ignoring it (an ignored signal
    stays ignored across exec, and Python then installs no KeyboardInterrupt
    handler), so only this process sees the interrupt and shuts the cluster down
    in order, instead of every worker dying mid-case with a traceback.
    """
    from dask.distributed import LocalCluster  # see _dispatch

    kwargs = dict(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None,
                  silence_logs=logging.ERROR)
    if not processes or threading.current_thread() is not threading.main_thread():
        return LocalCluster(**kwargs)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return LocalCluster(**kwargs)
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_csv_atomic(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    try:
        df.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def quiet_dask_shutdown() -> None:
    """After Ctrl-C in a sweep: close any LocalCluster now, silently, and drop distributed's
    own atexit hook (which otherwise prints a traceback for a cluster interrupted while its
    workers were starting).  Finished case files are already on disk (atomic writes)."""
    spec = sys.modules.get("distributed.deploy.spec")
    if spec is None:
        return
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for cluster in list(getattr(spec.SpecCluster, "_instances", ())):
        try:
            cluster.close(timeout=5)
        except BaseException:  # noqa: BLE001 - best effort while stopping on Ctrl-C
            pass
    hook = getattr(spec, "close_clusters", None)
    if hook is not None:
        atexit.unregister(hook)
