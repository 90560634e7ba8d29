"""Colour scales of the maps (hgvcov.plots.scales): range from the data, nice discrete levels,
overrides, colour maps, and the scale a drawn map actually uses.

The expected ranges are worked out by hand in each test from the rule stated in
hgvcov.plots.scales (2nd-98th percentile, rounded outwards to 1 / 2 / 2.5 / 5 x 10^k steps).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from matplotlib import colors as mcolors

from hgvcov import plots
from hgvcov.plots.scales import ROBUST_PERCENTILES, colour_scale, get_colormap

# A percentage boundary is exact to float rounding: nice steps are written to 10 digits.
boundary_tol = 1e-9


def _uniform(lo, hi, n=2001):
    """Evenly spread values lo..hi: their 2nd / 98th percentiles are lo + 2 % / 98 % of the span."""
    return np.linspace(lo, hi, n)


def test_default_scenario_stereo_range_is_the_data_not_0_100():
    """23-50 % stereo (the default scenario, issue 17): the scale spans 20-50 % in 5 % steps,
    not 0-100 % (where the whole field was one grey-blue)."""
    v = _uniform(0.23, 0.50)
    lo = 23 + 0.02 * 27   # 2nd percentile, % (23.54)
    hi = 23 + 0.98 * 27   # 98th percentile, % (49.46)
    assert np.percentile(v * 100, ROBUST_PERCENTILES[0]) == pytest.approx(lo)
    s = colour_scale("fraction_stereo", v)
    assert (s.unit, s.multiplier, s.kind) == ("%", 100.0, "fraction")
    assert s.boundaries == pytest.approx([20, 25, 30, 35, 40, 45, 50], abs=boundary_tol)
    assert s.vmin <= lo and s.vmax >= hi
    assert isinstance(s.norm, mcolors.BoundaryNorm) and s.norm.Ncmap == s.cmap.N
    assert s.extend == "neither" and s.from_data


def test_small_fraction_field_is_visible():
    """5-12 %: 1 % levels from 5 to 12 (on a 0-100 % scale it was invisible)."""
    s = colour_scale("fraction_stereo", _uniform(0.05, 0.12))
    assert s.boundaries == pytest.approx(np.arange(5, 12.5, 1.0), abs=boundary_tol)


def test_wide_field_gets_the_full_scale():
    s = colour_scale("fraction_1", _uniform(0.03, 0.98))
    assert (s.vmin, s.vmax) == (0.0, 100.0)


def test_outliers_do_not_set_the_scale_but_show_as_extensions():
    v = np.r_[_uniform(0.40, 0.60), [0.0, 1.0]]  # two stray cells
    s = colour_scale("fraction_1", v)
    assert 35 <= s.vmin <= 40 and 60 <= s.vmax <= 65
    assert s.extend == "both"


def test_constant_fields_still_get_a_readable_scale():
    full = colour_scale("fraction_1", np.ones(10))
    assert full.vmax == 100.0 and full.vmin < 100.0 and full.extend == "neither"
    none = colour_scale("fraction_1", np.zeros(10))
    assert none.vmin == 0.0 and none.vmax > 0.0
    nan = colour_scale("fraction_1", np.full(10, np.nan))
    assert nan.vmin < nan.vmax


def test_gap_units_and_levels():
    """Gaps of 80-144 min: shown in h (worst >= 2 h), discrete levels, lower end from the data."""
    s = colour_scale("max_gap_s", _uniform(4800.0, 8640.0))
    assert (s.unit, s.kind) == ("h", "duration")
    assert s.multiplier == pytest.approx(1 / 3600)
    assert s.boundaries is not None and s.vmin == pytest.approx(1.2) and s.vmax == pytest.approx(2.4)
    short = colour_scale("max_gap_s", _uniform(30.0, 100.0))
    assert short.unit == "s" and short.boundaries == pytest.approx(np.arange(30, 101, 10.0))


def test_continuous_scale_for_counts_and_errors():
    s = colour_scale("mean_count", _uniform(1.0, 4.0))
    assert s.boundaries is None and not isinstance(s.norm, mcolors.BoundaryNorm)
    assert (s.vmin, s.vmax) == (1.0, 4.0)


def test_overrides_in_stored_units():
    v = _uniform(0.23, 0.50)
    full = colour_scale("fraction_stereo", v, vmin=0.0, vmax=1.0)
    assert (full.vmin, full.vmax) == (0.0, 100.0) and not full.from_data
    low = colour_scale("fraction_stereo", v, vmin=0.2)
    assert low.vmin == pytest.approx(20.0) and low.vmax == pytest.approx(50.0)
    four = colour_scale("fraction_stereo", v, vmin=0.2, vmax=0.6, levels=4)
    assert four.boundaries == pytest.approx([20, 30, 40, 50, 60])
    given = colour_scale("max_gap_s", _uniform(600.0, 7000.0), levels=[0, 1800, 3600, 7200])
    # the unit follows the data (98th percentile 6872 s < 2 h: minutes)
    assert given.unit == "min" and given.boundaries == pytest.approx([0, 30, 60, 120])
    cont = colour_scale("fraction_stereo", v, levels=0)
    assert cont.boundaries is None
    cm = colour_scale("fraction_stereo", v, cmap="devon")
    assert cm.cmap.name.startswith("devon")


@pytest.mark.parametrize("kw, match", [
    ({"vmin": 20.0}, "vmin=20.0 for fraction_stereo: expected a fraction from 0 to 1"),
    ({"vmin": 0.6, "vmax": 0.2}, "expected vmin < vmax"),
    ({"levels": [0.5, 0.2]}, "increasing"),
    ({"levels": -3}, "levels=-3"),
    ({"cmap": "no-such-map"}, "cmap='no-such-map'"),
])
def test_bad_overrides_are_named(kw, match):
    with pytest.raises(plots.MapError, match=match):
        colour_scale("fraction_stereo", _uniform(0.2, 0.5), **kw)


def test_crameri_maps_come_from_cmcrameri_tables():
    """batlow's first entry is cmcrameri's table row (no pyplot import needed)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("cmcrameri")
    table = np.loadtxt(Path(spec.origin).parent / "cmaps" / "batlow.txt")
    cm = get_colormap("batlow")
    assert cm.N == len(table) == 256
    assert np.allclose(cm(0)[:3], table[0]) and np.allclose(get_colormap("batlow_r")(0)[:3], table[-1])
    assert get_colormap("viridis").name == "viridis"


def test_drawn_map_uses_the_data_range(tmp_path, monkeypatch):
    """The colour bar of a drawn map ends where colour_scale says, from the values inside the
    area of interest only."""
    from hgvcov.plots import coverage_maps

    lat = np.arange(30.0, 40.01, 1.0)
    lon = np.arange(130.0, 140.01, 1.0)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    f = 0.23 + 0.27 * (lo - 130.0) / 10.0
    mask = la <= 35.0
    f_out = np.where(mask, f, 0.95)  # outside the area of interest: not on the scale
    ds = xr.Dataset({"fraction_stereo": (("lat", "lon"), f_out),
                     "region_mask": (("lat", "lon"), mask.astype(np.int8))},
                    coords={"lat": lat, "lon": lon})
    seen = []
    real = coverage_maps._draw_colorbar

    def spy(fig, cax, mappable, scale, label, height_in):
        seen.append(scale)
        return real(fig, cax, mappable, scale, label, height_in)

    monkeypatch.setattr(coverage_maps, "_draw_colorbar", spy)
    plots.plot_coverage_map(ds, "fraction_stereo", tmp_path / "m.png", dpi=40)
    want = colour_scale("fraction_stereo", np.where(mask, f, np.nan))
    assert (seen[-1].vmin, seen[-1].vmax) == (want.vmin, want.vmax) == (20.0, 50.0)
