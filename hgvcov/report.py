"""Console reports of ``hgvcov run`` and ``hgvcov sweep`` (rich tables on stdout).

Values come from ``summary.json`` / ``sweep.csv``; a missing or NaN value prints ``-``.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import Optional

from rich.console import Console
from rich.table import Table

__all__ = ["print_summary", "print_sweep", "print_sweep_failures", "sweep_column_labels",
           "fmt_seconds", "fmt_whole_seconds", "fmt_fraction"]

#: Region statistics shown as area mean and minimum: (variable, label).
_FRACTIONS = (("fraction_1", ">= 1 satellite"), ("fraction_2", ">= 2 satellites"),
              ("fraction_stereo", "stereo pair"))
#: Expected fractions under satellite availability p (``[analysis] satellite_availability``).
_EXPECTED = (("expected_fraction_1", ">= 1 satellite"), ("expected_fraction_2", ">= 2 satellites"),
             ("expected_fraction_stereo", "stereo pair"))
#: Background figures (rows shown only where some point has a space background: with the
#: usual positive elevation masks every line of sight is look-down and they are all 0).
_BACKGROUND = (("fraction_space_background", ">= 1 against space"),
               ("fraction_stereo_space_background", "stereo, both against space"))
#: Region statistics shown as their worst value: (variable, label).
_GAPS = (("max_gap_s", "worst gap (any)"), ("max_gap_stereo_s", "worst gap (stereo)"))
#: Columns of the threat table: (title, formatter, summary.json ``per_threat`` key).  Every
#: column is one key of summary.json, printed in whole seconds (or %) so the two agree.
_THREAT_COLUMNS = (
    ("flight", "s0", "flight_time_s"),
    ("1st\ndetect", "s0", "first_detection_s"),
    ("1st\nstereo", "s0", "first_stereo_s"),
    ("custody", "%", "custody_fraction"),
    ("stereo", "%", "stereo_fraction"),
    ("warning\n(stereo)", "s0", "warning_time_s"),
    ("warning\n(detect)", "s0", "detection_warning_time_s"),
    ("warning\n(radar only)", "s0", "radar_warning_time_s"),
)
#: The headline stage timings of summary.json["timings"] in print order: (key, label).
#: Keys not listed here (a stage added later) are printed after them by their key.
_TIMING_LABELS = (("propagation_s", "propagation"), ("coverage_s", "coverage"),
                  ("tracks_s", "tracks"), ("accesses_s", "accesses"),
                  ("monte_carlo_s", "monte carlo"), ("figures_s", "figures"), ("write_s", "write"))
#: Sweep-table statistics: (sweep.csv column, title, formatter).
_SWEEP_SHOWN = (("fraction_1_mean", ">=1 sat", "%"), ("fraction_stereo_mean", "stereo", "%"),
                ("max_gap_stereo_s_worst", "worst stereo gap", "s"))
_SWEEP_ROWS = 60


def fmt_seconds(v) -> str:
    """Seconds as ``"42 s"`` or ``"3.5 min"``; ``-`` when missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    v = float(v)
    if abs(v) < 120:
        return f"{v:.0f} s"
    return f"{v / 60:.1f} min"


def fmt_fraction(v) -> str:
    """A fraction as ``"42.0 %"``; ``-`` when missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{100 * float(v):.1f} %"


def fmt_whole_seconds(v) -> str:
    """Seconds rounded to whole seconds, as ``"1,118 s"``; ``-`` when missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{float(v):,.0f} s"


_FORMAT = {"s": fmt_seconds, "s0": fmt_whole_seconds, "%": fmt_fraction}


def _pick(d: dict, *names, default=None):
    """The first of ``names`` present (and not None) in ``d``."""
    for n in names:
        if isinstance(d, dict) and n in d and d[n] is not None:
            return d[n]
    return default


def fmt_value_p(p) -> str:
    """Satellite availability ``p`` as ``"0.9"``; ``?`` when missing."""
    return "?" if p is None else f"{float(p):g}"


def _stat(stats: dict, var: str, which: str):
    """``var``'s ``which`` (mean, min) statistic, flat (``var_mean``) or nested."""
    v = _pick(stats, f"{var}_{which}", f"{which}_{var}")
    if v is None and isinstance(stats.get(var), dict):
        v = stats[var].get(which)
    return v


def _region_table(stats: dict, weighted: Optional[dict] = None) -> Table:
    """Region statistics; ``weighted``: ``{ensemble: summary.json ensembles[name]
    ["threat_weighted"]}``, one more column per ensemble (the threat-weighted mean)."""
    weighted = {k: v for k, v in (weighted or {}).items() if v}
    reg = Table(title="Region coverage", title_justify="left")
    reg.add_column("metric")
    reg.add_column("area mean", justify="right")
    reg.add_column("min / worst", justify="right")
    for name in weighted:
        reg.add_column(f"threat-weighted\n({name})", justify="right")

    def extra(var):
        return [fmt_fraction(w.get(f"{var}_mean")) for w in weighted.values()]
    for var, label in _FRACTIONS:
        mean, mn = _stat(stats, var, "mean"), _stat(stats, var, "min")
        if mean is not None or mn is not None:
            reg.add_row(label, fmt_fraction(mean), fmt_fraction(mn), *extra(var))
    p = stats.get("satellite_availability")
    for var, label in _EXPECTED:
        mean, mn = _stat(stats, var, "mean"), _stat(stats, var, "min")
        if mean is not None or mn is not None:
            reg.add_row(f"{label}, expected (availability p = {fmt_value_p(p)})", fmt_fraction(mean),
                        fmt_fraction(mn), *extra(var))
    for var, label in _BACKGROUND:
        mean, mn, mx = (_stat(stats, var, w) for w in ("mean", "min", "max"))
        if mean is not None and mx is not None and mx > 0:
            reg.add_row(label, fmt_fraction(mean), fmt_fraction(mn), *extra(var))
    for var, label in _GAPS:
        v = _pick(stats, f"{var}_worst", f"{var}_max", f"worst_{var}", var)
        if isinstance(v, dict):
            v = v.get("max")
        if v is not None:
            reg.add_row(label, "", fmt_seconds(v), *([""] * len(weighted)))
    return reg


def _threat_table(per: dict) -> Table:
    tt = Table(title="Threats (seconds after launch; warning = impact minus the first stereo "
               "track / the first detection / the first ground-radar detection; - = never)",
               title_justify="left")
    tt.add_column("threat", no_wrap=True, min_width=max(len(str(n)) for n in per))
    for title, _, _ in _THREAT_COLUMNS:
        tt.add_column(title, justify="right", no_wrap=True)
    for name, r in per.items():
        tt.add_row(str(name), *(_FORMAT[f](_pick(r, key)) for _, f, key in _THREAT_COLUMNS))
    return tt


def _epoch_text(shell: dict) -> str:
    """``epoch 2026-11-21T00:00:00.000Z (time.start)``, or the range of a file's epochs."""
    first, last = shell.get("epoch_utc"), shell.get("epoch_last_utc")
    when = first if first == last or not last else f"{first} .. {last}"
    src = shell.get("epoch_source", "")
    if src == "file":
        return f"epochs {when} (from the file; up to {shell.get('max_age_days', 0):.1f} days " \
               "from the window)"
    return f"epoch {when} ({src})"


def _print_header(con: Console, summary: dict) -> None:
    c = summary.get("constellation", {})
    t = summary.get("time", {})
    con.print(f"[bold]{summary.get('scenario', '')}[/bold]")
    shells = c.get("shells") or []
    con.print(f"constellation: {c.get('n_satellites', '?')} satellites in "
              f"{len(shells) or '?'} shell(s)")
    for sh in shells:
        con.print(f"  [{sh.get('index')}] {sh.get('summary', '')}: {sh.get('n_satellites')} "
                  f"satellites, {_epoch_text(sh)}")
    if not shells:
        con.print(f"  {c.get('summary', '')}")
    con.print(f"window: {t.get('start_utc', '')} + {fmt_seconds(t.get('duration_s'))}, "
              f"{t.get('n_time', '?')} samples every {t.get('step_s', '?')} s, the last at "
              f"{t.get('stop_utc', '')} ({t.get('propagator', '')})")
    if c.get("failed"):
        names = ", ".join(f["name"] for f in c["failed"][:8])
        more = "" if len(c["failed"]) <= 8 else f" (+{len(c['failed']) - 8} more)"
        con.print(f"[yellow]{len(c['failed'])} satellite(s) failed to propagate and were "
                  f"masked: {names}{more}[/yellow]")


def _timing_line(tim: dict) -> str:
    """``time: total 98.5 s (propagation 2.8 s, ...)``: every headline stage summary.json
    times (``timings`` keys ending in ``_s`` other than ``total_s``)."""
    known = dict(_TIMING_LABELS)
    keys = [k for k, _ in _TIMING_LABELS if k in tim]
    keys += [k for k, v in tim.items() if k.endswith("_s") and k != "total_s"
             and k not in known and isinstance(v, (int, float))]
    parts = ", ".join(f"{known.get(k, k[:-2].replace('_', ' '))} {float(tim[k]):.1f} s"
                      for k in keys)
    return f"time: total {float(tim.get('total_s', 0)):.1f} s ({parts})"


def satellite_lines(block: dict, n: int = 3) -> list[str]:
    """Console lines naming the ``n`` most critical satellites (``summary.json["satellites"]``)
    and, when computed, the worst case after losing the most valuable ones."""
    top = [t for t in block.get("top") or [] if (t.get("sole_coverage_s") or 0) > 0
           or (t.get("needed_for_2_s") or 0) > 0 or (t.get("sole_stereo_s") or 0) > 0][:n]
    lines = []
    if top:
        lines.append("most critical satellites (region-mean time as the only detector / one of two / "
                     "in every stereo pair):")
        for t in top:
            lines.append(f"  {t['satellite']}: " + " / ".join(
                fmt_seconds(v) if v is None or abs(v) >= 120 else f"{v:.1f} s"
                for v in (t.get("sole_coverage_s"), t.get("needed_for_2_s"), t.get("sole_stereo_s"))))
    elif block.get("top") and block.get("window_s"):
        lines.append("no satellite is critical: losing any one keeps every point's coverage")
    wc = block.get("worst_case")
    if wc:
        lines.append(f"after losing {', '.join(wc['removed'])}: fraction_1 mean "
                     f"{fmt_fraction(wc.get('worst_fraction_1_mean'))}, fraction_stereo mean "
                     f"{fmt_fraction(wc.get('worst_fraction_stereo_mean'))}")
    return lines


def print_summary(summary: dict, out_dir: Optional[str] = None, stream=None) -> None:
    """A compact human summary: header, region statistics, one line per threat, timings.

    Every number is a value of ``summary``, labelled as summary.json labels it.
    """
    stream = stream or sys.stdout
    con = Console(file=stream, highlight=False, soft_wrap=True, width=max(
        120, Console(file=stream).width))
    _print_header(con, summary)
    reg = _region_table(summary.get("region_statistics") or {},
                        {name: e.get("threat_weighted")
                         for name, e in (summary.get("ensembles") or {}).items()})
    if reg.row_count:
        con.print(reg)
    per = summary.get("per_threat") or {}
    if per:
        con.print(_threat_table(per))
    for line in satellite_lines(summary.get("satellites") or {}):
        con.print(line)
    for note in summary.get("limitations") or []:
        con.print(f"note: {note}")
    tim = summary.get("timings") or {}
    if tim:
        con.print(_timing_line(tim))
    if out_dir:
        files = ", ".join(summary.get("files", []))
        con.print(f"wrote {out_dir}: {files}")


def _swept_columns(df) -> list[str]:
    """The swept-key columns of a sweep table (between ``case_id`` and ``status``)."""
    cols = list(df.columns)
    if "status" in cols and cols[:1] == ["case_id"]:
        return cols[1:cols.index("status")]
    return [c for c in cols if "[" in c or c.startswith(("sensor", "time", "region"))]


def _key_tokens(key: str) -> list[str]:
    """``"constellation[0].total"`` -> ``["constellation", "[0]", "total"]``."""
    return [t for t in re.split(r"\.|(\[\d+\])", key) if t]


def _join_tokens(tokens: list[str]) -> str:
    out = ""
    for t in tokens:
        out += t if (t.startswith("[") or not out) else f".{t}"
    return out


def sweep_column_labels(keys: list[str]) -> list[str]:
    """Short, distinct table headers for swept key paths.

    Each key is shown by its shortest ending that no other key shares
    (``constellation[0].total`` and ``constellation[0].altitude_km`` -> ``total``,
    ``altitude_km``; ``constellation[0].total`` and ``constellation[1].total`` ->
    ``constellation[0].total``, ``constellation[1].total``).  An ending never starts
    with a bare index: the name it indexes is kept with it.
    """
    toks = [_key_tokens(k) for k in keys]
    labels = []
    for i, t in enumerate(toks):
        n = 1
        while n < len(t):
            end = t[-n:]
            if not end[0].startswith("[") and not any(
                    j != i and o[-n:] == end for j, o in enumerate(toks)):
                break
            n += 1
        labels.append(_join_tokens(t[-n:]))
    # Two keys that differ only in spelling (never in a valid sweep): the full keys.
    return labels if len(set(labels)) == len(labels) else list(keys)


def print_sweep(df, out_dir: Path, stream=None) -> None:
    """Compact sweep table: the swept keys, status and the headline region statistics.

    Swept keys are headed by their shortest distinct ending (:func:`sweep_column_labels`),
    never truncated; a line under the table gives the full key of each shortened header.
    """
    con = Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)
    cols = list(df.columns)
    swept = _swept_columns(df)
    labels = sweep_column_labels(swept)
    shown = [(c, label, _FORMAT[f]) for c, label, f in _SWEEP_SHOWN if c in cols]
    table = Table(title=f"Sweep ({len(df)} cases)", title_justify="left")
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True, min_width=len(label))
    if "status" in cols:
        table.add_column("status")
    for _, label, _ in shown:
        table.add_column(label, justify="right")
    for _, row in df.head(_SWEEP_ROWS).iterrows():
        cells = [str(row[c]) for c in swept]
        if "status" in cols:
            cells.append(str(row["status"]))
        for c, _, fmt in shown:
            v = row[c]
            cells.append(fmt(None if v is None or v != v else float(v)))
        table.add_row(*cells)
    con.print(table)
    renamed = [f"{label} = {key}" for label, key in zip(labels, swept) if label != key]
    if renamed:
        con.print("columns: " + ", ".join(renamed))
    if len(df) > _SWEEP_ROWS:
        con.print(f"... {len(df) - _SWEEP_ROWS} more rows in sweep.csv")
    con.print(f"wrote {out_dir / 'sweep.csv'} and {out_dir / 'sweep.png'}")


def print_sweep_failures(df, out_dir: Path, stream=None) -> int:
    """List the cases of a sweep table that did not finish ok; returns how many.

    One line per case on ``stream`` (default stderr): case id, swept values, and the
    reason (``error`` of sweep.csv on one line), after a line saying how many failed
    and that a rerun runs only these.  Nothing is printed when every case is ok.
    """
    if "status" not in df.columns:
        return 0
    bad = df[df["status"] != "ok"]
    if not len(bad):
        return 0
    stream = stream or sys.stderr
    swept = _swept_columns(df)
    print(f"hgvcov: {len(bad)} of {len(df)} cases failed (finished cases are kept in "
          f"{Path(out_dir) / 'sweep.csv'}; rerun the same command to run only these):",
          file=stream)
    for _, row in bad.iterrows():
        values = ", ".join(f"{k} = {_fmt_value(row[k])}" for k in swept)
        reason = row.get("error") if "error" in df.columns else None
        if reason is None or reason != reason or not str(reason).strip():
            reason = "not run" if row["status"] == "pending" else str(row["status"])
        reason = " ".join(str(reason).split())
        print(f"  case {row['case_id']} ({values}): {reason}", file=stream)
    return len(bad)


def _fmt_value(v) -> str:
    """A swept value as the sweep file would spell it (``0.1``, ``12``, ``'sgp4'``)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)
