"""Long runs (issue 16): refused up front when the time estimate is over the limit, and
visible while they run (plain progress lines when stderr is not a terminal, a notice while
the numba kernels compile).

End-to-end tests run ``python -m hgvcov`` as a subprocess with stderr piped (not a
terminal), as CI, ``nohup`` and pipes do.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time

import pytest

from hgvcov import progress as progress_module
from hgvcov.progress import PlainProgress, make_progress
from hgvcov.run.estimate import RunRefused, estimate_run, refuse_if_too_slow, run_work
from hgvcov.scenario import default_scenario, scenario_from_toml

from .conftest import SMALL_RUN, box_region, scenario_toml
from .test_cli import QUICK_LIMIT_S, assert_one_clean_error, hgvcov

#: One year at 1 s over a 5 x 5 deg box at 0.01 deg (251,001 points): fits in memory
#: (time is streamed) but would run for days.
YEAR_AT_1S = scenario_toml("a year at 1 s", 365 * 86400, 1,
                           box_region((30, 35), (130, 135), 0.01, 40))
#: No limit on memory from this machine: the time check is what is tested.
ROOMY = {"HGVCOV_MEMORY_LIMIT_MB": "1000000"}


# ----------------------------------------------------------------- refusal on time

def test_year_at_one_second_is_refused_at_once(tmp_path):
    (tmp_path / "s.toml").write_text(YEAR_AT_1S)
    t0 = time.perf_counter()
    proc = hgvcov("run", "s.toml", "-o", "out", cwd=tmp_path, env=ROOMY)
    assert time.perf_counter() - t0 < QUICK_LIMIT_S
    assert_one_clean_error(proc, "would take about", "over the limit of 60 min",
                           "time.step_s = ", "region.step_deg = ", "time.duration_s = ",
                           "--yes", "--max-time")
    assert not (tmp_path / "out").exists()


#: Thirty days at 10 s of 3,000 satellites over a 30 x 30 deg box at 0.1 deg: every suggestion,
#: fewer satellites included, can bring it under an hour.
BIG_SHELL_MONTH = scenario_toml("a big shell for a month", 30 * 86400, 10,
                               box_region((20, 50), (120, 150), 0.1, 40)).replace(
    "total = 12", "total = 3000")


def _estimate(text):
    s = scenario_from_toml(text, "s.toml")
    sats, sensors = s.build_satellites(), s.build_sensors()
    (la0, la1), (lo0, lo1) = s.box()
    n_lat = int((la1 - la0) / s.region.step_deg + 1e-9) + 1
    n_lon = int((lo1 - lo0) / s.region.step_deg + 1e-9) + 1
    est = estimate_run(len(sats), n_lat * n_lon, s.time.count, n_lon=n_lon,
                       **run_work(s, sats, sensors))
    return est, s


@pytest.mark.parametrize("text", [YEAR_AT_1S, BIG_SHELL_MONTH], ids=["year", "big shell"])
def test_suggested_values_fit_the_limit(text):
    """Each suggestion of the refusal, applied alone, gives an estimate under the limit."""
    est, sc = _estimate(text)
    with pytest.raises(RunRefused) as info:
        refuse_if_too_slow(est, sc, 3600.0)
    msg = str(info.value)
    duration = re.search(r"duration_s = (\d+)\n", text).group(1)
    subs = {r"time\.step_s = ([\d.]+)": lambda v: text.replace("step_s = ", f"step_s = {v}\n#", 1),
            r"region\.step_deg = ([\d.]+)": lambda v: re.sub(r"step_deg = .*", f"step_deg = {v}", text),
            r"time\.duration_s = (\d+)": lambda v: text.replace(f"duration_s = {duration}",
                                                               f"duration_s = {v}"),
            r"at most about ([\d,]+) instead": lambda v: text.replace(
                "total = 3000", f"total = {int(v.replace(',', '')) // 3 * 3}")}
    found = 0
    for pattern, apply in subs.items():
        m = re.search(pattern, msg)
        if m is None:
            continue
        found += 1
        variant = apply(m.group(1))
        assert variant != text
        est2, s2 = _estimate(variant)
        assert est2["time_s"] <= 3600.0, (pattern, m.group(1), est2["time_s"])
        refuse_if_too_slow(est2, s2, 3600.0)
    assert found == (4 if text is BIG_SHELL_MONTH else 3), msg


def test_time_limit_from_environment_and_options(tmp_path):
    (tmp_path / "s.toml").write_text(SMALL_RUN)
    tiny = {"HGVCOV_TIME_LIMIT_S": "0.001"}
    proc = hgvcov("run", "s.toml", "-o", "out", "--no-maps", cwd=tmp_path, env=tiny)
    assert_one_clean_error(proc, "over the limit of 0 s", "--yes")
    proc = hgvcov("run", "s.toml", "-o", "out", "--no-maps", "--max-time", "0.001",
                  cwd=tmp_path)
    assert_one_clean_error(proc, "over the limit", "--yes")
    assert not (tmp_path / "out").exists()
    # --max-time raises the limit of the environment; --yes accepts whatever the estimate
    for extra in (["--max-time", "2h"], ["--yes"]):
        proc = hgvcov("run", "s.toml", "-o", "out", "--no-maps", "-q", *extra, cwd=tmp_path,
                      env=tiny, timeout=600)
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / "out" / "summary.json").is_file()


@pytest.mark.parametrize("value", ["soon", "-5", "0", "2 fortnights", "inf"])
def test_bad_max_time_exits_2(tmp_path, value):
    proc = hgvcov("run", "--max-time", value, "-o", "out", cwd=tmp_path)
    assert_one_clean_error(proc, "--max-time", "e.g. 600, 90s, 30min, 2h")


def test_bad_time_limit_environment_exits_2(tmp_path):
    (tmp_path / "s.toml").write_text(SMALL_RUN)
    proc = hgvcov("run", "s.toml", "-o", "out", cwd=tmp_path,
                  env={"HGVCOV_TIME_LIMIT_S": "an hour"})
    assert_one_clean_error(proc, "HGVCOV_TIME_LIMIT_S", "an hour")


def test_estimate_scales_with_the_work():
    """More satellites, a finer grid or a longer run cost proportionally more; a wider
    field of view more than a narrow one (more visible pairs)."""
    sc = default_scenario()
    sats, sensors = sc.build_satellites(), sc.build_sensors()
    work = run_work(sc, sats, sensors)
    base = estimate_run(300, 10_000, 2880, **work)["time_parts"]["coverage_s"]
    assert estimate_run(300, 10_000, 5760, **work)["time_parts"]["coverage_s"] == \
        pytest.approx(2 * base)
    assert estimate_run(300, 40_000, 2880, **work)["time_parts"]["coverage_s"] == \
        pytest.approx(4 * base)
    assert estimate_run(600, 10_000, 2880, **work)["time_parts"]["coverage_s"] > 2 * base
    narrow = dict(work, visible_fraction=work["visible_fraction"] / 4)
    assert estimate_run(300, 10_000, 2880, **narrow)["time_parts"]["coverage_s"] < base / 3


# ----------------------------------------------------------------- progress lines

def test_plain_progress_lines_when_stderr_is_piped(tmp_path):
    (tmp_path / "s.toml").write_text(SMALL_RUN)
    proc = hgvcov("run", "s.toml", "-o", "out", "--no-maps", cwd=tmp_path,
                  env={"HGVCOV_PROGRESS_INTERVAL_S": "0"}, timeout=600)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "hgvcov: estimate: " in err
    for stage in ("build satellites", "coverage", "fly threats", "track coverage"):
        assert f"hgvcov: {stage}: started" in err, err
        assert re.search(rf"hgvcov: {stage}: done in [\d.]+ (s|min)", err), err
    assert re.search(r"hgvcov: coverage: \d+% \(\d+/30\), [\d.]+ s elapsed, ETA [\d.]+ s", err), err
    assert "\x1b[" not in err   # no terminal control codes in a log
    from constellation.coverage import kernels_cached
    if kernels_cached():   # the run found the kernels in the cache: no compile notice
        assert "compiling" not in err


def test_plain_progress_at_most_every_interval(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: clock[0])
    out = io.StringIO()
    prog = PlainProgress(out, interval_s=10.0, hold_s=0.0)
    task = prog.task("coverage", 100)
    for k in range(1, 101):
        clock[0] = k * 0.5          # 50 s in 100 updates
        task(k)
    task.close()
    prog.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "hgvcov: coverage: started"
    assert lines[-1] == "hgvcov: coverage: done in 50 s"
    ticks = lines[1:-1]
    assert len(ticks) == 5            # at 10, 20, 30, 40, 50 s
    assert ticks[0] == "hgvcov: coverage: 20% (20/100), 10 s elapsed, ETA 40 s"


def test_plain_progress_drops_held_lines_on_an_early_error():
    out = io.StringIO()
    with pytest.raises(ValueError):
        with PlainProgress(out, hold_s=60.0) as prog:
            with prog.stage("build satellites"):
                pass
            raise ValueError("bad input")
    assert out.getvalue() == ""
    out = io.StringIO()
    with PlainProgress(out, hold_s=60.0) as prog:
        with prog.stage("build satellites"):
            pass
    assert "build satellites: done in" in out.getvalue()


def test_make_progress_kinds():
    class Pipe(io.StringIO):
        def isatty(self):
            return False
    assert isinstance(make_progress(True, Pipe()), PlainProgress)
    assert not isinstance(make_progress(False, Pipe()), PlainProgress)


def test_compile_notice_with_a_fresh_numba_cache(tmp_path):
    """A fresh NUMBA_CACHE_DIR: the kernels must compile, and the run says so before it
    starts the coverage stage (the process is stopped once the notice is seen)."""
    (tmp_path / "s.toml").write_text(SMALL_RUN)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache"), "MPLBACKEND": "Agg"}
    env.pop("HGVCOV_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "hgvcov", "run", "s.toml", "-o", "out",
                             "--no-maps"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        deadline = time.monotonic() + QUICK_LIMIT_S
        for line in proc.stderr:
            seen.append(line)
            if "compiling the numba kernels" in line or time.monotonic() > deadline:
                break
    finally:
        proc.kill()
        proc.wait()
    text = "".join(seen)
    assert "compiling the numba kernels" in text, text
    assert "one time, about a minute" in text
    assert "hgvcov: coverage: started" not in text.split("compiling")[0]
