"""``hgvcov``: the command line of hgv-coverage.

Subcommands::

    hgvcov run [SCENARIO.toml] [-o DIR] [--no-maps] [--no-exports] [--json] [--max-time TIME] [--yes]
    hgvcov init [PATH] [--force]
    hgvcov sweep SWEEP.toml [-o DIR] [--scheduler ADDRESS] [--json]
    hgvcov map coverage.nc [--var fraction_stereo] [-o FILE.png|.pdf|.svg] [--vmin V] [--vmax V]
               [--levels N|B0,B1,...] [--cmap NAME] [--projection NAME] [--dpi N]
    hgvcov trajectory (--threat NAME | --launch LAT,LON --aim LAT,LON) [--vehicle V] [-o DIR]
    hgvcov bench [--full] [--json]
    hgvcov warmup [--json] [-q]
    hgvcov version            (also: hgvcov --version)

Exit codes: 0 success; 2 bad input (one message on stderr, no traceback: scenario or sweep
file, orbit files, point/polygon files, a run refused for memory or time, an unusable output
folder); 1 an internal error (a short message; ``--debug`` shows the traceback);
130 interrupted with Ctrl-C (nothing half-written: outputs are renamed into place only
when complete).

Progress bars are drawn on stderr only when it is a terminal; ``--json`` prints the
summary as JSON on stdout and nothing else.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Optional, Sequence

from .progress import make_progress
from .version import package_version

__all__ = ["main", "input_error_types"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: finished with failures: every result file written is valid and kept; the failures are
#: listed on the console and in the outputs (figures that could not be drawn: summary.json;
#: failed sweep cases: sweep.csv; a rerun of a sweep retries only those)
EXIT_FAILURES = 3

DEFAULT_RUN_DIR = "hgvcov-out"
DEFAULT_SWEEP_DIR = "hgvcov-sweep"
DEFAULT_SCENARIO_NAME = "scenario.toml"


# ---------------------------------------------------------------------------------------
# which exceptions are the user's input (exit 2) rather than our bugs (exit 1)
# ---------------------------------------------------------------------------------------

#: Input-error classes of the modules that are heavy to import, as (module, class name).
#: Importing them all to classify an exception would cost seconds on the error path (and
#: on every `hgvcov --help` if done at import); an exception can only come from a module
#: already loaded, so :func:`input_error_types` consults ``sys.modules``.
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

    :class:`CliInputError` and those of ``_INPUT_ERRORS`` whose module is already imported.
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


def _err(msg: str) -> None:
    print(f"hgvcov: error: {msg}", file=sys.stderr)


# ---------------------------------------------------------------------------------------
# subcommands.  `hgvcov --help`, `init` and `version` must start in a fraction of a second,
# so the modules that pull in pydantic, numpy, rich, pandas, dask, xarray, matplotlib or
# the numba kernels (hgvcov.scenario, .run, .sweep, .report, .trajectory, .serialize,
# .plots, .bench and the engine), and hgvcov.outputs (tempfile, shutil, secrets), are
# imported inside the subcommand that needs them.
# ---------------------------------------------------------------------------------------

_DURATION_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0,
                   "d": 86400.0}


def _duration_arg(text: str) -> float:
    """``--max-time`` value: seconds (``"600"``) or a number with a unit (``"2h"``, ``"30min"``)."""
    t = text.strip().lower()
    num = t.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
    unit = t[len(num):].strip() if t.startswith(num) else None
    try:
        value = float(num) * _DURATION_UNITS[unit]
    except (KeyError, ValueError, TypeError):
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a time > 0 in seconds or with a "
                                         "unit (s, min, h, d), e.g. 600, 90s, 30min, 2h")
    return value


def _run_time_limit(args) -> float:
    """Seconds ``hgvcov run`` may be estimated to take: ``--yes`` none, else ``--max-time``,
    else ``HGVCOV_TIME_LIMIT_S``, else one hour."""
    if args.yes:
        return float("inf")
    if args.max_time is not None:
        return args.max_time
    from .run.estimate import time_limit_s
    return time_limit_s()


def _cmd_run(args) -> int:
    from . import run
    from .report import print_summary
    from .scenario import default_scenario, load_scenario
    sc = load_scenario(args.scenario) if args.scenario else default_scenario()
    summary = None
    try:
        with make_progress(enabled=not args.json and not args.quiet) as prog:
            summary = run.run_scenario(sc, args.output, maps=not args.no_maps, progress=prog,
                                       json_mode=args.json,
                                       time_limit_s=_run_time_limit(args),
                                       compile_in_parallel=True,
                                       exports=not args.no_exports)
        if args.json:
            sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        elif not args.quiet:
            print_summary(summary, out_dir=args.output)
    except KeyboardInterrupt as exc:
        summary = summary or getattr(exc, "summary", None)  # run.InterruptedAfterData
        if summary is None:
            raise  # main(): "no output files were changed"
        print(f"\nhgvcov: interrupted after the outputs were written to {summary['out_dir']}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    failed = summary.get("figures_failed") or []
    exports_failed = summary.get("exports_failed") or []
    for f in failed:
        print(f"hgvcov: figure {f['name']} failed: {f['message']}", file=sys.stderr)
    for f in exports_failed:
        print(f"hgvcov: export {f['name']} failed: {f['message']}", file=sys.stderr)
    if failed:
        print(f"hgvcov: {len(failed)} figure(s) failed; the data files in {summary['out_dir']} "
              "are complete (see figures_failed in summary.json)", file=sys.stderr)
    if exports_failed:
        print(f"hgvcov: {len(exports_failed)} export(s) failed; the data files in "
              f"{summary['out_dir']} are complete (see exports_failed in summary.json)",
              file=sys.stderr)
    return EXIT_FAILURES if failed or exports_failed else EXIT_OK


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


#: Default of ``hgvcov sweep --connect-timeout`` (s).
DEFAULT_CONNECT_TIMEOUT_S = 10.0


def _connect_timeout(text: str) -> float:
    """argparse type of ``--connect-timeout``: seconds, a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds > 0 (e.g. --connect-timeout 10)")
    return value


def _cmd_sweep(args) -> int:
    try:
        from .sweep import quiet_dask_shutdown, run_sweep
    except ImportError as exc:
        raise RuntimeError(f"sweeps are unavailable: {exc}") from exc
    from .report import print_sweep, print_sweep_failures
    path = Path(args.sweep)
    if not path.is_file():
        raise CliInputError(f"sweep file not found: {path}")
    try:
        with make_progress(enabled=not args.json) as prog:
            df = run_sweep(path, args.output, scheduler=args.scheduler, progress=prog,
                           connect_timeout=args.connect_timeout)
    except KeyboardInterrupt:
        quiet_dask_shutdown()
        raise
    if args.json:
        sys.stdout.write(df.to_json(orient="records", indent=2) + "\n")
    else:
        print_sweep(df, Path(args.output))
    sys.stdout.flush()
    failed = print_sweep_failures(df, Path(args.output), stream=sys.stderr)
    return EXIT_FAILURES if failed else EXIT_OK


def _open_coverage(src: Path, var: str):
    """The saved coverage data set, after checking that ``var`` is a map variable in it."""
    import xarray as xr
    if not src.is_file():
        raise CliInputError(f"coverage file not found: {src}")
    try:
        ds = xr.load_dataset(src)
    except (OSError, ValueError) as exc:
        raise CliInputError(f"{src}: not a readable NetCDF coverage file ({exc})") from None
    plottable = [v for v in ds.data_vars if set(ds[v].dims) in ({"lat", "lon"}, {"point"})]
    if var not in ds.data_vars:
        raise CliInputError(f"--var {var!r}: not in {src}; choose one of "
                            + ", ".join(plottable))
    if var not in plottable:
        raise CliInputError(f"--var {var!r}: not a map variable; choose one of "
                            + ", ".join(plottable))
    return ds


def _saved_polygon(ds):
    """The region polygon a coverage file names, if that file is still there (else None)."""
    from constellation import load_polygon
    poly_path = ds.attrs.get("region_polygon", "")
    if not (poly_path and Path(poly_path).is_file()):
        return None
    try:
        return load_polygon(poly_path)
    except ValueError:
        return None


def _map_levels(text: Optional[str]):
    """``--levels``: a number of levels (0 = continuous) or comma-separated boundaries."""
    if text is None:
        return None
    try:
        if "," not in text:
            n = int(text)
            if n < 0 or n == 1:
                raise ValueError
            return n
        bounds = [float(x) for x in text.split(",") if x.strip()]
        if len(bounds) < 2 or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
            raise ValueError
        return tuple(bounds)
    except ValueError:
        raise CliInputError(f"--levels {text!r}: expected a number of colour levels (>= 2; 0 for "
                            "a continuous scale) or increasing boundaries such as 0,0.25,0.5,0.75,1 "
                            "(in coverage.nc units: fractions 0-1, seconds)") from None


def _map_options(args, src: Path):
    """Figure options of ``hgvcov map``: the run's ``[output.figures]`` (read back from its
    summary.json, so that a re-plot looks like the run's map), then the command's flags."""
    from dataclasses import replace

    from .plots import FigureOptions, saved_figure_options
    from .scenario.schema import FiguresSpec
    saved = {} if args.no_tracks else saved_figure_options(src.parent)
    try:
        opts = FigureOptions.from_mapping(FiguresSpec.model_validate(saved).model_dump()
                                          if saved else None)
    except (ValueError, TypeError) as exc:
        print(f"hgvcov: ignoring the run's [output.figures] ({exc.__class__.__name__}); "
              "drawing with the defaults", file=sys.stderr)
        opts = FigureOptions()
    var = args.var
    fraction = "fraction" in var
    for flag, v in (("--vmin", args.vmin), ("--vmax", args.vmax)):
        if v is not None and fraction and not 0.0 <= v <= 1.0:
            raise CliInputError(f"{flag} {v:g}: {var} is a fraction from 0 to 1 in coverage.nc "
                                f"({v:g} % is {v / 100:g})")
    if args.vmin is not None and args.vmax is not None and args.vmin >= args.vmax:
        raise CliInputError(f"--vmin {args.vmin:g} --vmax {args.vmax:g}: expected vmin < vmax")
    levels = _map_levels(args.levels)
    if fraction and isinstance(levels, tuple) and not (0.0 <= levels[0] and levels[-1] <= 1.0):
        raise CliInputError(f"--levels {args.levels}: {var} is a fraction: boundaries from 0 to 1")
    if args.cmap is not None:
        from .plots.scales import get_colormap
        get_colormap(args.cmap)  # MapError (exit 2) naming the allowed ones
    opts = opts.with_scale(var, vmin=args.vmin, vmax=args.vmax, levels=levels, cmap=args.cmap)
    if args.projection is not None:
        opts = replace(opts, projection=args.projection)
    if args.dpi is not None:
        opts = replace(opts, dpi=args.dpi)
    if args.no_overlays:
        opts = replace(opts, tracks=False, radars=False, area=False, ground_tracks=False)
    if args.ground_tracks:
        opts = replace(opts, ground_tracks=True)
    return opts


def _cmd_map(args) -> int:
    src = Path(args.coverage)
    ds = _open_coverage(src, args.var)
    from .plots import FIGURE_FORMATS, map_file_name
    out = Path(args.output) if args.output else src.with_name(map_file_name(args.var, "_replot"))
    if out.suffix.lower().lstrip(".") not in FIGURE_FORMATS:
        raise CliInputError(f"-o {out}: expected a file name ending in "
                            + ", ".join(f".{f}" for f in FIGURE_FORMATS) + " (the format)")
    opts = _map_options(args, src)
    from .outputs import atomic_path
    from .plots import plot_coverage_map, saved_run_overlays
    polygon = _saved_polygon(ds)
    overlays = {} if args.no_tracks else saved_run_overlays(src.parent)
    title = args.title if args.title is not None else overlays.pop("title", None)
    overlays.pop("title", None)
    atomic_path(out, lambda p: plot_coverage_map(ds, args.var, p, title=title, polygon=polygon,
                                                 **overlays, **opts.map_kwargs(args.var)))
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


#: ``hgvcov map --projection`` names: hgvcov.plots.projections.PROJECTION_NAMES, written out
#: here so that building the parser does not import the plotting stack (a test checks they match).
_PROJECTIONS = ("auto", "platecarree", "equirectangular", "lambert", "mercator", "polar", "robinson",
                "equalearth")


def _dpi(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = -1
    if not 50 <= v <= 600:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number from 50 to 600")
    return v


#: Default folder of ``hgvcov trajectory`` (not a run's folder: nothing of a run is touched).
DEFAULT_TRAJECTORY_DIR = "hgvcov-trajectory"
#: What ``hgvcov trajectory`` reads as a value, not an option: a negative number or a
#: ``LAT,LON`` pair (``--aim -33.9,151.2``).
_LATLON_OR_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$|^-?\d*\.?\d+(e-?\d+)?,\s*-?\d*\.?\d+(e-?\d+)?$")


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


def _trajectory_threat(args, trajectory):
    """The threat ``hgvcov trajectory`` flies: a library entry or --launch/--aim."""
    if args.threat:
        if args.threat not in trajectory.THREAT_LIBRARY:
            raise CliInputError(f"--threat {args.threat!r}: not in the threat library; "
                                "one of " + ", ".join(trajectory.THREAT_LIBRARY))
        if args.launch or args.aim:
            raise CliInputError("give either --threat or --launch/--aim, not both")
        return trajectory.library_threat(args.threat, vehicle=args.vehicle)
    if not (args.launch and args.aim):
        raise CliInputError("give --threat NAME (see --list) or both --launch LAT,LON "
                            "and --aim LAT,LON")
    (la, lo), (aa, ao) = _latlon(args.launch, "launch"), _latlon(args.aim, "aim")
    kw = dict(name=args.name or "custom", launch_lat_deg=la, launch_lon_deg=lo,
              aim_lat_deg=aa, aim_lon_deg=ao)
    if args.vehicle:
        kw["vehicle"] = args.vehicle
    return trajectory.Threat(**kw)


def _check_vehicle(vehicle: Optional[str]) -> None:
    """``--vehicle``: one of the vehicle models (one message naming the option)."""
    if vehicle is None:
        return
    from hgv_models.vehicles import VEHICLES
    names = sorted(str(n).lower() for n in VEHICLES)
    if vehicle.lower() not in names:
        raise CliInputError(f"--vehicle {vehicle!r}: expected one of " + ", ".join(names))


def _cmd_trajectory(args) -> int:
    from . import trajectory
    from .report import fmt_seconds
    if args.list:
        for line in trajectory.library_listing():
            print(line)
        return EXIT_OK
    _check_vehicle(args.vehicle)
    th = _trajectory_threat(args, trajectory)
    if not args.step > 0:
        raise CliInputError(f"--step {args.step}: expected a sample step > 0 s")
    table, summary = trajectory.fly(th, args.step)
    out = trajectory.write_trajectory(args.output, table, summary).resolve()
    wrote = f"wrote {out / 'trajectory.csv'} and {out / 'trajectory.json'}"
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        print(wrote, file=sys.stderr)
    else:
        print(f"{summary['threat']} ({summary['vehicle']}): flight "
              f"{fmt_seconds(summary['flight_time_s'])}, max Mach {summary['max_mach']:.1f}, "
              f"apogee {summary['max_altitude_km']:.0f} km, ground-radar warning "
              f"{fmt_seconds(summary['radar_warning_s'])}")
        print(wrote)
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
        from .serialize import jsonable
        sys.stdout.write(json.dumps(jsonable(result), indent=2) + "\n")
    return EXIT_OK


def _cmd_warmup(args) -> int:
    from .warmup import warmup
    say = (lambda line: None) if args.quiet or args.json else (
        lambda line: print(line, file=sys.stderr, flush=True))
    say("hgvcov warmup: compiling (or loading from numba's cache) every kernel a run can use")
    result = warmup(out=say)
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return EXIT_OK
    if not args.quiet:
        kernels = result["kernels"]
        width = max(len(k["name"]) for k in kernels)
        print(f"{'kernel':<{width}}  {'state':<8}  signatures  compile s")
        for k in kernels:
            comp = f"{k['compile_s']:9.2f}" if k["compiled"] else f"{'':9}"
            print(f"{k['name']:<{width}}  {k['state']:<8}  {len(k['signatures']):10d}  {comp}")
        n_comp = sum(k["state"] == "compiled" for k in kernels)
        n_load = sum(k["state"] == "loaded" for k in kernels)
        print(f"{n_comp} kernels compiled ({result['compile_s']:.1f} s compiling, numba's "
              f"functions included), {n_load} loaded from the cache (the flight kernels "
              "of a first warm-up are compiled by a second process, then loaded); '-': "
              "compiled into their callers, inlined, or not used by a run")
        print(f"numba cache: {result['cache']}")
    print(f"hgvcov warmup: done in {result['total_s']:.1f} s; later runs load the kernels "
          "from the cache", file=sys.stderr)
    return EXIT_OK


def _versions() -> dict:
    """Versions of hgv-coverage, Python and the numeric stack (``orbits.diagnostics``)."""
    info = {"hgv-coverage": package_version(), "python": sys.version.split()[0]}
    try:
        import orbits
        diag = orbits.diagnostics()
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
        from .serialize import jsonable
        sys.stdout.write(json.dumps(jsonable(info), indent=2) + "\n")
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
                    "2 bad input, 3 finished with failures (every file written is kept; "
                    "see figures_failed in summary.json), 130 interrupted"))
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--debug", action="store_true",
                   help="show the full traceback on internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    r = sub.add_parser("run", help="run a scenario (default: the built-in Japan scenario)")
    r.add_argument("scenario", nargs="?", help="scenario TOML file (omit for the default)")
    r.add_argument("-o", "--output", default=DEFAULT_RUN_DIR,
                   help=f"output folder (default ./{DEFAULT_RUN_DIR})")
    r.add_argument("--no-maps", action="store_true", help="skip the PNG maps")
    r.add_argument("--no-exports", action="store_true",
                   help="skip the GIS / 3-D exports (*.tif, tracks.kml, scenario.czml)")
    r.add_argument("--json", action="store_true",
                   help="print summary.json on stdout and nothing else")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress, no table")
    r.add_argument("--max-time", type=_duration_arg, default=None, metavar="TIME",
                   help="refuse a run estimated to take longer than TIME: seconds or e.g. "
                        "90s, 30min, 2h (default 1h, or $HGVCOV_TIME_LIMIT_S)")
    r.add_argument("--yes", action="store_true",
                   help="run even when the time estimate exceeds the limit")
    r.set_defaults(func=_cmd_run)

    i = sub.add_parser("init", help="write the default scenario as an editable TOML file")
    i.add_argument("path", nargs="?", default=DEFAULT_SCENARIO_NAME,
                   help=f"file (or folder) to write (default ./{DEFAULT_SCENARIO_NAME})")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=_cmd_init)

    s = sub.add_parser("sweep", help="parameter sweep on Dask (resumable)",
                       epilog="exit codes: 0 every case ok; 3 finished, but some cases failed "
                              "(each listed on stderr with its swept values and reason, and in "
                              "sweep.csv; finished cases are kept, a rerun runs only the failed "
                              "ones); 2 bad input (sweep file, --scheduler address); "
                              "1 internal error; 130 interrupted")
    s.add_argument("sweep", help="sweep TOML file")
    s.add_argument("-o", "--output", default=DEFAULT_SWEEP_DIR,
                   help=f"output folder (default ./{DEFAULT_SWEEP_DIR})")
    s.add_argument("--scheduler", default=None,
                   help="address of a running dask scheduler (default: a LocalCluster)")
    s.add_argument("--connect-timeout", type=_connect_timeout, default=DEFAULT_CONNECT_TIMEOUT_S,
                   metavar="SECONDS",
                   help="how long to wait for the --scheduler to answer before giving up "
                        f"(default {DEFAULT_CONNECT_TIMEOUT_S:g} s)")
    s.add_argument("--json", action="store_true", help="print sweep rows as JSON")
    s.set_defaults(func=_cmd_sweep)

    m = sub.add_parser(
        "map", help="re-plot a saved coverage.nc (PNG, PDF or SVG)",
        description="Re-plot one variable of a saved coverage.nc.  By default the figure is "
                    "written beside it as the run's name for that map with _replot added "
                    "(map_fraction_stereo_replot.png, map_max_gap_replot.png for max_gap_s, "
                    "map_VAR_replot.png for other variables), so the run's own figures are "
                    "never overwritten unless -o names one.  When the run's tracks.csv and "
                    "summary.json sit beside the coverage.nc, the HGV tracks, launch/aim "
                    "points and radar horizons are drawn too (--no-tracks leaves them out), "
                    "with the run's [output.figures] settings; the options below override "
                    "them.  The colour scale is chosen from the data unless --vmin / --vmax / "
                    "--levels fix it, in coverage.nc units (fractions 0-1, seconds, metres).")
    m.add_argument("coverage", help="coverage.nc from hgvcov run")
    m.add_argument("--var", default="fraction_stereo", help="variable (default fraction_stereo)")
    m.add_argument("-o", "--output", default=None,
                   help="file to write: .png, .pdf or .svg (default: map_<name>_replot.png beside "
                        "coverage.nc)")
    m.add_argument("--title", default=None, help="title (default: the scenario name)")
    m.add_argument("--vmin", type=float, default=None,
                   help="lower end of the colour scale, coverage.nc units (0.2 = 20 %% for a fraction)")
    m.add_argument("--vmax", type=float, default=None, help="upper end of the colour scale")
    m.add_argument("--levels", default=None,
                   help="number of colour levels (0 = continuous) or boundaries, e.g. 0,0.25,0.5,0.75,1")
    m.add_argument("--cmap", default=None, help="colour map (batlow, lajolla_r, devon, viridis, ...)")
    m.add_argument("--projection", default=None, choices=_PROJECTIONS,
                   help="map projection (default auto: from the region)")
    m.add_argument("--dpi", type=_dpi, default=None, help="resolution (default 150)")
    m.add_argument("--no-tracks", action="store_true",
                   help="do not draw the run's threats even when tracks.csv is beside the file")
    m.add_argument("--no-overlays", action="store_true",
                   help="draw the coverage alone: no tracks, radar horizons or area outline")
    m.add_argument("--ground-tracks", action="store_true",
                   help="also draw the satellites' ground tracks stored in the file")
    m.set_defaults(func=_cmd_map)

    t = sub.add_parser("trajectory", help="fly one HGV threat and write its trajectory")
    # `--aim -33.9,151.2`: argparse takes an argument that starts with "-" for an option
    # unless it looks like a negative number; a LAT,LON pair looks like one here.
    t._negative_number_matcher = _LATLON_OR_NUMBER
    t.add_argument("--threat", help="threat-library entry (see --list)")
    t.add_argument("--list", action="store_true", help="list the threat library")
    t.add_argument("--launch", help="LAT,LON of the launch point (deg)")
    t.add_argument("--aim", help="LAT,LON of the aim point (deg)")
    t.add_argument("--vehicle", help="vehicle name (default cav-h)")
    t.add_argument("--name", help="name of a --launch/--aim threat")
    t.add_argument("--step", type=float, default=2.0, help="sample step (s), default 2")
    t.add_argument("-o", "--output", default=DEFAULT_TRAJECTORY_DIR,
                   help=f"output folder for trajectory.csv and trajectory.json (default "
                        f"./{DEFAULT_TRAJECTORY_DIR}, apart from a run's ./{DEFAULT_RUN_DIR})")
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

    w = sub.add_parser("warmup", help="compile (or load) every kernel now, so that runs "
                       "and sweep workers start at once",
                       description="Compile every numba kernel a run can use (or load it from "
                       "numba's on-disk cache) by running three tiny scenarios, and list the "
                       "kernels with their compile times.  Run it once after installing, "
                       "before timing runs, and on a fresh worker image before a sweep.")
    w.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    w.add_argument("-q", "--quiet", action="store_true", help="only the final line")
    w.set_defaults(func=_cmd_warmup)

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
