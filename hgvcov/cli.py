"""``hgvcov``: the command line of hgv-coverage.

Subcommands::

    hgvcov run [SCENARIO.toml] [-o DIR] [--no-maps] [--json]
    hgvcov init [PATH] [--force]
    hgvcov sweep SWEEP.toml [-o DIR] [--scheduler ADDRESS] [--json]
    hgvcov map coverage.nc [--var fraction_stereo] [-o PNG]
    hgvcov trajectory (--threat NAME | --launch LAT,LON --aim LAT,LON) [--vehicle V] [-o DIR]
    hgvcov bench [--full] [--json]
    hgvcov version            (also: hgvcov --version)

Exit codes: 0 success; 2 bad input (one message on stderr, no traceback: scenario or sweep
file, orbit files, point/polygon files, a run refused for memory, an unusable output
folder); 1 an internal error (a short message; ``--debug`` shows the traceback);
130 interrupted with Ctrl-C (nothing half-written: outputs are renamed into place only
when complete).

Progress bars are drawn on stderr only when it is a terminal; ``--json`` prints the
summary as JSON on stdout and nothing else.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from pathlib import Path
from typing import Optional, Sequence

__all__ = ["main", "input_error_types"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

DEFAULT_RUN_DIR = "hgvcov-out"
DEFAULT_SWEEP_DIR = "hgvcov-sweep"
DEFAULT_SCENARIO_NAME = "scenario.toml"


# ---------------------------------------------------------------------------------------
# which exceptions are the user's input (exit 2) rather than our bugs (exit 1)
# ---------------------------------------------------------------------------------------

_INPUT_ERRORS = [
    ("hgvcov.scenario", "ScenarioError"),
    ("hgvcov.run", "RunRefused"),
    ("hgvcov.outputs", "OutputError"),
    ("constellation.walker", "WalkerError"),
    ("constellation.presets", "PresetError"),
    ("constellation.sensors", "SensorError"),
    ("constellation.grid", "GridError"),
    ("constellation.points", "PointsError"),
    ("constellation.polygon", "PolygonError"),
    ("constellation.elements", "ElementsError"),
    ("hgvcov.sweep", "SweepError"),
    ("hgvcov.plots", "MapError"),
    ("orbits.tle", "OrbitFileError"),
    ("orbits.timegrid", "TimeGridError"),
    ("orbits.satellites", "SatelliteError"),
    ("hgv_models.threats", "ThreatError"),
    ("hgv_models.flight", "ThreatUnreachableError"),
    ("hgv_models.vehicles", "VehicleError"),
]


class CliInputError(ValueError):
    """Bad command-line input (exit code 2)."""


def input_error_types() -> tuple[type, ...]:
    """Exception classes that mean *bad input* (exit 2).

    Only modules already imported are consulted: an exception can only have come from a
    loaded module, and importing the rest would cost seconds on the error path.
    """
    out: list[type] = [CliInputError]
    for mod, name in _INPUT_ERRORS:
        m = sys.modules.get(mod)
        if m is None:
            continue
        cls = getattr(m, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            out.append(cls)
    return tuple(out)


# ---------------------------------------------------------------------------------------
# output helpers
# ---------------------------------------------------------------------------------------

def _err(msg: str) -> None:
    print(f"hgvcov: error: {msg}", file=sys.stderr)


def _fmt_s(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    v = float(v)
    if abs(v) < 120:
        return f"{v:.0f} s"
    return f"{v / 60:.1f} min"


def _fmt_pct(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{100 * float(v):.1f} %"


def _pick(d: dict, *names, default=None):
    for n in names:
        if isinstance(d, dict) and n in d and d[n] is not None:
            return d[n]
    return default


def print_summary(summary: dict, out_dir: Optional[str] = None, stream=None) -> None:
    """A compact human summary: region statistics and one line per threat."""
    stream = stream or sys.stdout
    from rich.console import Console
    from rich.table import Table
    con = Console(file=stream, highlight=False, soft_wrap=True, width=max(
        120, Console(file=stream).width))
    c = summary.get("constellation", {})
    t = summary.get("time", {})
    con.print(f"[bold]{summary.get('scenario', '')}[/bold]")
    con.print(f"{c.get('summary', '')} ({c.get('n_satellites', '?')} satellites); "
              f"{t.get('start_utc', '')} + {_fmt_s(t.get('duration_s'))} every "
              f"{t.get('step_s', '?')} s ({t.get('propagator', '')})")
    if c.get("failed"):
        names = ", ".join(f["name"] for f in c["failed"][:8])
        more = "" if len(c["failed"]) <= 8 else f" (+{len(c['failed']) - 8} more)"
        con.print(f"[yellow]{len(c['failed'])} satellite(s) failed to propagate and were "
                  f"masked: {names}{more}[/yellow]")
    stats = summary.get("region_statistics") or {}
    reg = Table(title="Region coverage", title_justify="left")
    reg.add_column("metric")
    reg.add_column("area mean", justify="right")
    reg.add_column("min / worst", justify="right")
    for var, label in (("fraction_1", ">= 1 satellite"), ("fraction_2", ">= 2 satellites"),
                       ("fraction_stereo", "stereo pair")):
        mean = _pick(stats, f"{var}_mean", f"mean_{var}")
        if mean is None and isinstance(stats.get(var), dict):
            mean = stats[var].get("mean")
        mn = _pick(stats, f"{var}_min", f"min_{var}")
        if mn is None and isinstance(stats.get(var), dict):
            mn = stats[var].get("min")
        if mean is not None or mn is not None:
            reg.add_row(label, _fmt_pct(mean), _fmt_pct(mn))
    for var, label in (("max_gap_s", "worst gap (any)"),
                       ("max_gap_stereo_s", "worst gap (stereo)")):
        v = _pick(stats, f"{var}_worst", f"{var}_max", f"worst_{var}", var)
        if isinstance(v, dict):
            v = v.get("max")
        if v is not None:
            reg.add_row(label, "", _fmt_s(v))
    if reg.row_count:
        con.print(reg)
    per = summary.get("per_threat") or {}
    if per:
        tt = Table(title="Threats (times after launch; warning = impact minus first "
                   "stereo track, or minus first ground-radar detection)", title_justify="left")
        tt.add_column("threat", no_wrap=True, min_width=max(len(str(n)) for n in per))
        for col in ("1st detect", "1st stereo", "custody", "stereo", "warning",
                    "radar-only warning"):
            tt.add_column(col, justify="right", no_wrap=True)
        for name, r in per.items():
            tt.add_row(
                str(name),
                _fmt_s(_pick(r, "first_detection_s", "first_detection_after_launch_s")),
                _fmt_s(_pick(r, "first_stereo_s", "first_stereo_after_launch_s")),
                _fmt_pct(_pick(r, "custody_fraction", "fraction_custody")),
                _fmt_pct(_pick(r, "stereo_fraction", "fraction_stereo")),
                _fmt_s(_pick(r, "warning_time_s", "warning_s", "stereo_warning_s")),
                _fmt_s(_pick(r, "radar_warning_time_s", "radar_only_warning_s",
                             "radar_warning_s")),
            )
        con.print(tt)
    tim = summary.get("timings") or {}
    if tim:
        con.print(f"time: total {tim.get('total_s', 0):.1f} s (propagation "
                  f"{tim.get('propagation_s', 0):.1f} s, coverage {tim.get('coverage_s', 0):.1f} s"
                  f", tracks {tim.get('tracks_s', 0):.1f} s, maps {tim.get('maps_s', 0):.1f} s)")
    if out_dir:
        files = ", ".join(summary.get("files", []))
        con.print(f"wrote {out_dir}: {files}")


def print_sweep(df, out_dir: Path, stream=None) -> None:
    """Compact sweep table: the swept keys, status and the headline region statistics."""
    from rich.console import Console
    from rich.table import Table
    con = Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)
    cols = list(df.columns)
    swept = cols[1:cols.index("status")] if "status" in cols and cols[:1] == ["case_id"] \
        else [c for c in cols if "[" in c or c.startswith(("sensor", "time", "region"))]
    shown = [("fraction_1_mean", ">=1 sat", _fmt_pct), ("fraction_stereo_mean", "stereo",
              _fmt_pct), ("max_gap_stereo_s_worst", "worst stereo gap", _fmt_s)]
    table = Table(title=f"Sweep ({len(df)} cases)", title_justify="left")
    for c in swept:
        table.add_column(c, justify="right")
    if "status" in cols:
        table.add_column("status")
    for c, label, _ in shown:
        if c in cols:
            table.add_column(label, justify="right")
    for _, row in df.head(60).iterrows():
        cells = [str(row[c]) for c in swept]
        if "status" in cols:
            cells.append(str(row["status"]))
        for c, _, fmt in shown:
            if c in cols:
                v = row[c]
                cells.append(fmt(None if v is None or v != v else float(v)))
        table.add_row(*cells)
    con.print(table)
    if len(df) > 60:
        con.print(f"... {len(df) - 60} more rows in sweep.csv")
    con.print(f"wrote {out_dir / 'sweep.csv'} and {out_dir / 'sweep.png'}")


# ---------------------------------------------------------------------------------------
# subcommands
# ---------------------------------------------------------------------------------------

def _cmd_run(args) -> int:
    from .progress import make_progress
    from .run import run_scenario
    from .scenario import default_scenario, load_scenario
    sc = load_scenario(args.scenario) if args.scenario else default_scenario()
    summary = None
    try:
        with make_progress(enabled=not args.json and not args.quiet) as prog:
            summary = run_scenario(sc, args.output, maps=not args.no_maps, progress=prog,
                                   json_mode=args.json)
        if args.json:
            sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        elif not args.quiet:
            print_summary(summary, out_dir=args.output)
    except KeyboardInterrupt:
        if summary is None:
            raise  # main(): "no output files were changed"
        print(f"\nhgvcov: interrupted after the outputs were written to {summary['out_dir']}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _cmd_init(args) -> int:
    from .outputs import write_text_atomic
    from .scenario import default_scenario_toml
    path = Path(args.path)
    if path.is_dir():
        path = path / DEFAULT_SCENARIO_NAME
    if path.exists() and not args.force:
        raise CliInputError(f"{path} exists; use --force to overwrite it")
    write_text_atomic(path, default_scenario_toml())
    print(f"wrote {path}; edit it, then: hgvcov run {path}", file=sys.stderr)
    return EXIT_OK


def _cmd_sweep(args) -> int:
    from .progress import make_progress
    try:
        from .sweep import run_sweep
    except ImportError as exc:
        raise RuntimeError(f"sweeps are unavailable: {exc}") from exc
    path = Path(args.sweep)
    if not path.is_file():
        raise CliInputError(f"sweep file not found: {path}")
    try:
        with make_progress(enabled=not args.json) as prog:
            df = run_sweep(path, args.output, scheduler=args.scheduler, progress=prog)
    except KeyboardInterrupt:
        _quiet_dask_shutdown()
        raise
    if args.json:
        sys.stdout.write(df.to_json(orient="records", indent=2) + "\n")
    else:
        print_sweep(df, Path(args.output))
    return EXIT_OK


def _quiet_dask_shutdown() -> None:
    """After Ctrl-C in a sweep: close any LocalCluster now, silently, and drop distributed's
    own atexit hook (which otherwise prints a traceback for a cluster interrupted while its
    workers were starting).  Finished case files are already on disk (atomic writes)."""
    import atexit
    import logging
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


def _cmd_map(args) -> int:
    import xarray as xr
    from .outputs import atomic_path
    src = Path(args.coverage)
    if not src.is_file():
        raise CliInputError(f"coverage file not found: {src}")
    try:
        ds = xr.load_dataset(src)
    except (OSError, ValueError) as exc:
        raise CliInputError(f"{src}: not a readable NetCDF coverage file ({exc})") from None
    plottable = [v for v in ds.data_vars if set(ds[v].dims) in ({"lat", "lon"}, {"point"})]
    if args.var not in ds.data_vars:
        raise CliInputError(f"--var {args.var!r}: not in {src}; choose one of "
                            + ", ".join(plottable))
    if args.var not in plottable:
        raise CliInputError(f"--var {args.var!r}: not a map variable; choose one of "
                            + ", ".join(plottable))
    out = Path(args.output) if args.output else src.with_name(f"map_{args.var}.png")
    if out.suffix.lower() != ".png":
        raise CliInputError(f"-o {out}: expected a .png file name")
    from hgvcov.plots import plot_coverage_map
    polygon = None
    poly_path = ds.attrs.get("region_polygon", "")
    if poly_path and Path(poly_path).is_file():  # outline of a polygon region, if still there
        from constellation.polygon import load_polygon
        try:
            polygon = load_polygon(poly_path)
        except ValueError:
            polygon = None
    atomic_path(out, lambda p: plot_coverage_map(ds, args.var, p, title=args.title,
                                                 polygon=polygon))
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def _latlon(text: str, what: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        raise CliInputError(f"--{what} {text!r}: expected LAT,LON in degrees, "
                            "e.g. 40.0,116.0") from None
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 360):
        raise CliInputError(f"--{what} {text!r}: latitude must be -90..90 and longitude "
                            "-180..360 degrees")
    return lat, lon


def _cmd_trajectory(args) -> int:
    import dataclasses
    from hgv_models.threats import THREAT_LIBRARY, Threat, fly_threat
    from .outputs import OutputTransaction
    if args.list:
        for name, th in THREAT_LIBRARY.items():
            print(f"{name}: ({th.launch_lat_deg:.2f}, {th.launch_lon_deg:.2f}) -> "
                  f"({th.aim_lat_deg:.2f}, {th.aim_lon_deg:.2f}) {th.vehicle}"
                  + (f"  {th.description}" if getattr(th, "description", "") else ""))
        return EXIT_OK
    if args.threat:
        if args.threat not in THREAT_LIBRARY:
            raise CliInputError(f"--threat {args.threat!r}: not in the threat library; "
                                "one of " + ", ".join(THREAT_LIBRARY))
        if args.launch or args.aim:
            raise CliInputError("give either --threat or --launch/--aim, not both")
        th = THREAT_LIBRARY[args.threat]
        if args.vehicle:
            th = dataclasses.replace(th, vehicle=args.vehicle)
    else:
        if not (args.launch and args.aim):
            raise CliInputError("give --threat NAME (see --list) or both --launch LAT,LON "
                                "and --aim LAT,LON")
        (la, lo), (aa, ao) = _latlon(args.launch, "launch"), _latlon(args.aim, "aim")
        kw = dict(name=args.name or "custom", launch_lat_deg=la, launch_lon_deg=lo,
                  aim_lat_deg=aa, aim_lon_deg=ao)
        if args.vehicle:
            kw["vehicle"] = args.vehicle
        th = Threat(**kw)
    if not args.step > 0:
        raise CliInputError(f"--step {args.step}: expected a sample step > 0 s")
    traj = fly_threat(th, sample_step_s=args.step)
    import numpy as np
    import pandas as pd
    try:
        from hgv_models.trajectory import PHASE_NAMES
    except ImportError:  # pragma: no cover
        PHASE_NAMES = None
    cols = {}
    for name in ("time_s", "lat_deg", "lon_deg", "altitude_km", "speed_km_s", "mach",
                 "heading_deg", "flight_path_deg", "phase", "heating_w_cm2",
                 "surface_temperature_k", "dynamic_pressure_pa", "load_factor_g"):
        v = getattr(traj, name, None)
        if v is not None:
            cols[name] = np.asarray(v)
    if "phase" in cols and PHASE_NAMES is not None:
        cols["phase"] = [PHASE_NAMES[int(p)] for p in cols["phase"]]
    df = pd.DataFrame(cols)
    radar_first = None
    try:
        from hgv_models.radar import JAPAN_RADAR_SITES, first_radar_detection_s
        radar_first = float(first_radar_detection_s(traj, JAPAN_RADAR_SITES))
    except ImportError:  # pragma: no cover
        pass
    t = cols["time_s"]
    glide = cols.get("altitude_km")
    summary = {
        "threat": th.name, "vehicle": getattr(traj, "vehicle_name", th.vehicle),
        "launch": [th.launch_lat_deg, th.launch_lon_deg],
        "aim": [th.aim_lat_deg, th.aim_lon_deg],
        "flight_time_s": float(t[-1] - t[0]),
        "impact": [float(cols["lat_deg"][-1]), float(cols["lon_deg"][-1])],
        "max_mach": float(np.nanmax(cols["mach"])) if "mach" in cols else None,
        "max_altitude_km": float(np.nanmax(glide)) if glide is not None else None,
        "radar_first_detection_s": radar_first if radar_first is not None
        and math.isfinite(radar_first) else None,
        "radar_warning_s": float(t[-1] - radar_first) if radar_first is not None
        and math.isfinite(radar_first) else None,
    }
    with OutputTransaction(args.output) as tx:
        df.to_csv(tx.path("trajectory.csv"), index=False, float_format="%.6g")
        tx.path("trajectory.json").write_text(json.dumps(summary, indent=2) + "\n")
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        print(f"{summary['threat']} ({summary['vehicle']}): flight "
              f"{_fmt_s(summary['flight_time_s'])}, max Mach {summary['max_mach']:.1f}, "
              f"apogee {summary['max_altitude_km']:.0f} km, ground-radar warning "
              f"{_fmt_s(summary['radar_warning_s'])}")
        print(f"wrote {Path(args.output) / 'trajectory.csv'} and trajectory.json")
    return EXIT_OK


def _cmd_bench(args) -> int:
    try:
        from .bench import run_bench
    except ModuleNotFoundError as exc:
        if exc.name != "hgvcov.bench":
            raise
        raise RuntimeError("the benchmark driver (hgvcov.bench) is not in this "
                           "installation; run the scripts in benchmarks/ instead") from None
    if args.json:  # the report goes to stderr so stdout holds only the JSON
        result = run_bench(quick=not args.full, out=lambda line="": print(line, file=sys.stderr))
    else:
        result = run_bench(quick=not args.full)
    if args.json and result is not None:
        from .run import _jsonable
        sys.stdout.write(json.dumps(_jsonable(result), indent=2) + "\n")
    return EXIT_OK


def _versions() -> dict:
    from .run import package_version
    info = {"hgv-coverage": package_version(), "python": sys.version.split()[0]}
    try:
        import orbits
        diag = orbits.diagnostics() if hasattr(orbits, "diagnostics") else None
        if isinstance(diag, dict):
            info.update({str(k): v for k, v in diag.items()})
        elif diag:
            info["orbits"] = str(diag)
    except Exception as exc:  # diagnostics must never break `version`
        info["diagnostics_error"] = f"{type(exc).__name__}: {exc}"
    return info


def _cmd_version(args) -> int:
    info = _versions()
    if getattr(args, "json", False):
        from .run import _jsonable
        sys.stdout.write(json.dumps(_jsonable(info), indent=2) + "\n")
    else:
        print(f"hgvcov {info.pop('hgv-coverage')}")
        for k, v in info.items():
            if isinstance(v, dict):
                print(f"  {k}: " + ", ".join(f"{a} {b}" for a, b in v.items()))
            else:
                print(f"  {k}: {v}")
    return EXIT_OK


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, help="print versions and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        _cmd_version(argparse.Namespace(json=False))
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line message (no usage dump) on errors."""

    def error(self, message):
        self.exit(EXIT_INPUT, f"hgvcov: error: {message} (see hgvcov {self._sub()}--help)\n")

    def _sub(self) -> str:
        parts = self.prog.split()
        return (" ".join(parts[1:]) + " ") if len(parts) > 1 else ""


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``hgvcov``."""
    p = _Parser(prog="hgvcov", description="Detection, custody and stereo-tracking coverage "
                "of small-satellite IR constellations against hypersonic glide vehicles.",
                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
                    "examples:\n"
                    "  hgvcov run                      built-in Japan scenario -> ./hgvcov-out\n"
                    "  hgvcov init my.toml             write it as an editable file\n"
                    "  hgvcov run my.toml -o out       run your scenario\n"
                    "  hgvcov map out/coverage.nc --var fraction_stereo\n"
                    "  hgvcov sweep sweep.toml -o sweep-out [--scheduler tcp://host:8786]\n"
                    "  hgvcov trajectory --list\n\n"
                    "exit codes: 0 ok, 1 internal error (rerun with --debug), "
                    "2 bad input, 130 interrupted"))
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--debug", action="store_true",
                   help="show the full traceback on internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    r = sub.add_parser("run", help="run a scenario (default: the built-in Japan scenario)")
    r.add_argument("scenario", nargs="?", help="scenario TOML file (omit for the default)")
    r.add_argument("-o", "--output", default=DEFAULT_RUN_DIR,
                   help=f"output folder (default ./{DEFAULT_RUN_DIR})")
    r.add_argument("--no-maps", action="store_true", help="skip the PNG maps")
    r.add_argument("--json", action="store_true",
                   help="print summary.json on stdout and nothing else")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress, no table")
    r.set_defaults(func=_cmd_run)

    i = sub.add_parser("init", help="write the default scenario as an editable TOML file")
    i.add_argument("path", nargs="?", default=DEFAULT_SCENARIO_NAME,
                   help=f"file (or folder) to write (default ./{DEFAULT_SCENARIO_NAME})")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=_cmd_init)

    s = sub.add_parser("sweep", help="parameter sweep on Dask (resumable)")
    s.add_argument("sweep", help="sweep TOML file")
    s.add_argument("-o", "--output", default=DEFAULT_SWEEP_DIR,
                   help=f"output folder (default ./{DEFAULT_SWEEP_DIR})")
    s.add_argument("--scheduler", default=None,
                   help="address of a running dask scheduler (default: a LocalCluster)")
    s.add_argument("--json", action="store_true", help="print sweep rows as JSON")
    s.set_defaults(func=_cmd_sweep)

    m = sub.add_parser("map", help="re-plot a saved coverage.nc")
    m.add_argument("coverage", help="coverage.nc from hgvcov run")
    m.add_argument("--var", default="fraction_stereo", help="variable (default fraction_stereo)")
    m.add_argument("-o", "--output", default=None,
                   help="PNG to write (default map_VAR.png beside coverage.nc)")
    m.add_argument("--title", default=None, help="title (default: the scenario name)")
    m.set_defaults(func=_cmd_map)

    t = sub.add_parser("trajectory", help="fly one HGV threat and write its trajectory")
    t.add_argument("--threat", help="threat-library entry (see --list)")
    t.add_argument("--list", action="store_true", help="list the threat library")
    t.add_argument("--launch", help="LAT,LON of the launch point (deg)")
    t.add_argument("--aim", help="LAT,LON of the aim point (deg)")
    t.add_argument("--vehicle", help="vehicle name (default cav-h)")
    t.add_argument("--name", help="name of a --launch/--aim threat")
    t.add_argument("--step", type=float, default=2.0, help="sample step (s), default 2")
    t.add_argument("-o", "--output", default=DEFAULT_RUN_DIR,
                   help=f"output folder (default ./{DEFAULT_RUN_DIR})")
    t.add_argument("--json", action="store_true", help="print the summary as JSON")
    t.set_defaults(func=_cmd_trajectory)

    b = sub.add_parser("bench", help="time the kernels against baselines (quick; --full: the reference case)")
    size = b.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="full", action="store_false",
                      help="2-hour reference case and a small scaling table (the default; under a minute)")
    size.add_argument("--full", dest="full", action="store_true",
                      help="the issue's 1-day reference case, 0.1 deg memory run and scaling table "
                           "(several minutes; as python benchmarks/coverage.py)")
    b.add_argument("--json", action="store_true", help="print results as JSON")
    b.set_defaults(func=_cmd_bench, full=False)

    v = sub.add_parser("version", help="versions of hgv-coverage and its numeric stack")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_cmd_version)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``hgvcov``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    debug = args.debug or os.environ.get("HGVCOV_DEBUG") == "1"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        if args.command == "sweep":
            print("\nhgvcov: interrupted; finished cases are kept and a rerun resumes "
                  "from them", file=sys.stderr)
        else:
            print("\nhgvcov: interrupted; no output files were changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `hgvcov run --json | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:
        if isinstance(exc, input_error_types()):
            if debug:
                traceback.print_exc()
            _err(str(exc))
            return EXIT_INPUT
        if debug:
            traceback.print_exc()
        _err(f"internal error: {type(exc).__name__}: {exc}")
        print("hgvcov: this is a bug in hgv-coverage, not in your input; rerun with "
              "--debug (hgvcov --debug COMMAND ...) to see the traceback and report it",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
