"""Inputs of ``[[threat_ensemble]]`` (issue 20): launch areas, aim files, vehicle lists and
``[[vehicle]]`` tables, jink and manoeuvre ranges, threat-weighted region statistics, the
corridor map across the antimeridian and the Japan example.

Oracles: the flights an ensemble expanded to before these inputs existed (written out
below from that version's output), shapely's point-in-polygon test, the equal-area law
``P(lat < m) = (sin m - sin a) / (sin b - sin a)`` of a lat/lon box on the sphere, the
single-threat path (``fly_threat`` with the same bank programme, ``track_coverage``, or
the same flight as a ``[[threat]]``), and a threat-weighted mean computed by hand.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr

from hgvcov.cli import main
from hgvcov.ensemble import (ENSEMBLE_COLUMNS, FLIGHT_COLUMNS, NOMINAL_GLIDE_SPEED_KM_S,
                             CorridorGrid, ensemble_flights, flight_bank, flight_bank_key,
                             scenario_flights, threat_weighted_statistics)
from hgvcov.progress import NullProgress
from hgvcov.run.pipeline import run_scenario
from hgvcov.run.stages import StageClock, build_inputs
from hgvcov.scenario import load_scenario
from hgvcov.scenario.schema import ThreatEnsembleSpec

from .conftest import EXAMPLES, box_region, scenario_toml

START = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)
TOKYO = (35.68, 139.77)
OUTPUT = "[output]\ntrack_step_s = 5\n"
#: A GeoJSON polygon (concave: an L shape), lon/lat positions: a 10-deg-wide arm from 10 to
#: 40 N and a 4-deg-wide arm from 40 to 70 N, tall enough that equal-area draws and draws
#: uniform in latitude differ clearly.
L_SHAPE = [[110.0, 10.0], [120.0, 10.0], [120.0, 40.0], [114.0, 40.0], [114.0, 70.0],
           [110.0, 70.0], [110.0, 10.0]]
#: A polygon across the antimeridian written RFC 7946's discouraged way (170 -> -170).
ACROSS_180 = [[170.0, 10.0], [-170.0, 10.0], [-170.0, 20.0], [170.0, 20.0], [170.0, 10.0]]


def _geojson(path, ring):
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    return path


def _scenario(tmp_path, extra: str, region=None):
    """Write the end-to-end test scenario with ``extra`` into ``tmp_path`` and load it."""
    text = scenario_toml("inputs", 3600, 120,
                         region or box_region((20, 50), (110, 150), 5, 40),
                         sensor="min_elevation_deg = 5\nfield_of_regard_deg = 120\n",
                         extra=extra + OUTPUT)
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return load_scenario(path)


def _flights(sc, i=0):
    return ensemble_flights(sc.threat_ensemble[i], sc.time.start, sc.time.duration_s,
                            scenario=sc)


# -- the same flights as before -------------------------------------------------------------

#: ``dataclasses.astuple`` of the flights of three ensembles as expanded by the version
#: before these inputs (commit 9496ea1), nine fields each.
BEFORE = {
    "box": [('box#1', 38.8547, 118.4279, 'tokyo', 35.68, 139.77, 103.0, 'cav-h', 'weave'),
            ('box#2', 43.55, 120.1367, '26.355,127.767', 26.355, 127.767, 2165.0, 'cav-h',
             'weave'),
            ('box#3', 38.4056, 121.9541, 'tokyo', 35.68, 139.77, 103.0, 'cav-h', 'weave'),
            ('box#4', 38.7492, 117.3037, '26.355,127.767', 26.355, 127.767, 103.0, 'cav-h',
             'weave'),
            ('box#5', 43.6758, 115.6556, '26.355,127.767', 26.355, 127.767, 462.0, 'cav-h',
             'weave'),
            ('box#6', 41.6661, 123.4565, '26.355,127.767', 26.355, 127.767, 462.0, 'cav-h',
             'weave')],
    "sites": [('sites#1', 30.6, 104.0, '35.68,139.77', 35.68, 139.77, 2884.0, 'cav-h', 'none'),
              ('sites#2', 44.0, 125.5, '25.033,121.565', 25.033, 121.565, 2884.0, 'cav-h',
               'none'),
              ('sites#3', 40.0, 116.0, '35.68,139.77', 35.68, 139.77, 308.0, 'cav-h', 'none'),
              ('sites#4', 40.0, 116.0, '35.68,139.77', 35.68, 139.77, 308.0, 'cav-h', 'none'),
              ('sites#5', 40.0, 116.0, '35.68,139.77', 35.68, 139.77, 852.0, 'cav-h', 'none')],
    "fact": [(f'fact#{k + 1}', la, lo, an, ala, alo, t, 'htv2', 'none')
             for k, ((la, lo), (an, ala, alo), t) in enumerate(
                 (s, a, t) for s in ((40.0, 116.0), (44.0, 125.5))
                 for a in (('35.68,139.77', 35.68, 139.77), ('25.033,121.565', 25.033, 121.565))
                 for t in (2898.0, 2908.0))],
}
BEFORE_SPECS = {
    "box": dict(launch_box={"lat_deg": [38, 44], "lon_deg": [114, 126]},
                aim=[{"name": "tokyo", "lat_deg": 35.68, "lon_deg": 139.77}, [26.355, 127.767]],
                launch_times=4, samples=6, seed=11, manoeuvre="weave", weave_amplitude_deg=25,
                weave_period_s=180),
    "sites": dict(launch=[[40.0, 116.0], [44.0, 125.5], [30.6, 104.0]],
                  aim=[[35.68, 139.77], [25.033, 121.565]], launch_times=3, samples=5, seed=3),
    "fact": dict(launch=[[40.0, 116.0], [44.0, 125.5]], aim=[[35.68, 139.77], [25.033, 121.565]],
                 launch_times=2, factorial=True, seed=5, vehicle="htv2"),
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_existing_ensembles_expand_to_the_same_flights(name):
    spec = ThreatEnsembleSpec.model_validate({"name": name, **BEFORE_SPECS[name]})
    fl = ensemble_flights(spec, START, 3600.0)
    assert [dataclasses.astuple(f)[:9] for f in fl] == BEFORE[name]
    for f in fl:  # the fixed weave is stored per flight; the bank and its key are unchanged
        if f.manoeuvre == "weave":
            assert (f.bank_amplitude_deg, f.bank_period_s) == (25.0, 180.0)
            assert flight_bank_key(spec, f) == ("weave", 25.0, 180.0)
            np.testing.assert_array_equal(flight_bank(spec, f).rows,
                                          _weave_rows(25.0, 180.0))
        else:
            assert (f.bank_amplitude_deg, f.jink_at_s) == (None, None)
            assert flight_bank(spec, f) == 0.0 and flight_bank_key(spec, f) == ("none",)


def _weave_rows(amp, period):
    from hgv_models.guidance import weave
    return weave(amp, period).rows


# -- launch areas ---------------------------------------------------------------------------

def test_launch_area_draws_inside_the_polygon_equal_area(tmp_path):
    _geojson(tmp_path / "area.geojson", L_SHAPE)
    sc = _scenario(tmp_path, '[[threat_ensemble]]\nname = "a"\nlaunch_area = "area.geojson"\n'
                   f'aim = [[{TOKYO[0]}, {TOKYO[1]}]]\nsamples = 3000\nseed = 4\n')
    fl = _flights(sc)
    lat = np.array([f.launch_lat_deg for f in fl])
    lon = np.array([f.launch_lon_deg for f in fl])
    poly = shapely.Polygon(L_SHAPE)
    # sites are rounded to 1e-4 deg (11 m), so they lie within 1e-4 deg of the polygon
    assert shapely.contains_xy(poly.buffer(1.1e-4), lon, lat).all()
    assert len(set(zip(lat, lon))) == 3000
    # equal area: the share in the lower arm (10-40 N, 110-120 E) is its share of the area,
    # sin-law areas of the two boxes that make up the L
    s = [math.sin(math.radians(v)) for v in (10.0, 40.0, 70.0)]
    lower, upper = 10.0 * (s[1] - s[0]), 4.0 * (s[2] - s[1])
    p = lower / (lower + upper)
    sigma = math.sqrt(p * (1 - p) / 3000)
    assert abs((lat < 40.0).mean() - p) < 4 * sigma
    # and not uniform in latitude (that would give the plain degree share)
    p_flat = 10 * 30 / (10 * 30 + 4 * 30)
    assert abs(p - p_flat) > 4 * sigma
    again = _flights(_scenario(tmp_path, _area_text("area.geojson", 3000, 4)))
    assert again == fl  # seeded: same file, same flights


def _area_text(path, n, seed):
    return (f'[[threat_ensemble]]\nname = "a"\nlaunch_area = "{path}"\n'
            f'aim = [[{TOKYO[0]}, {TOKYO[1]}]]\nsamples = {n}\nseed = {seed}\n')


def test_launch_area_across_the_antimeridian(tmp_path):
    _geojson(tmp_path / "pacific.geojson", ACROSS_180)
    sc = _scenario(tmp_path, _area_text("pacific.geojson", 2000, 9))
    fl = _flights(sc)
    lat = np.array([f.launch_lat_deg for f in fl])
    lon = np.array([f.launch_lon_deg for f in fl])
    assert ((lat >= 10) & (lat <= 20)).all()
    # every draw in 170..180 or -180..-170: the 20-deg strip across 180, not the 340-deg one
    assert (((lon >= 170) & (lon <= 180)) | ((lon >= -180) & (lon <= -170))).all()
    east = (lon < 0).mean()  # the halves either side of 180 have equal areas
    assert abs(east - 0.5) < 4 * math.sqrt(0.25 / 2000)


def test_factorial_refused_with_launch_area(tmp_path, capsys):
    _geojson(tmp_path / "area.geojson", L_SHAPE)
    text = _area_text("area.geojson", 2, 0).replace("samples = 2", "factorial = true")
    path = tmp_path / "bad.toml"
    path.write_text(scenario_toml("x", 600, 120, box_region((20, 50), (110, 150), 5, 40),
                                  extra=text))
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-maps"]) == 2
    assert "threat_ensemble[0].factorial" in capsys.readouterr().err


# -- aim points -----------------------------------------------------------------------------

def test_aim_from_csv_and_from_the_region(tmp_path):
    (tmp_path / "aims.csv").write_text("# defended sites\nname,lat_deg,lon_deg\n"
                                       "Tokyo,35.68,139.77\nKadena,26.355,127.767\n"
                                       "Taipei,25.033,121.565\n")
    sc = _scenario(tmp_path, '[[threat_ensemble]]\nname = "csv"\nlaunch = [[40.0, 116.0]]\n'
                   'aim = "aims.csv"\nsamples = 300\nseed = 2\n'
                   '[[threat_ensemble]]\nname = "grid"\nlaunch = [[40.0, 116.0]]\n'
                   'aim = "region"\nsamples = 300\nseed = 2\n')
    fl = _flights(sc, 0)
    want = {"Tokyo": (35.68, 139.77), "Kadena": (26.355, 127.767), "Taipei": (25.033, 121.565)}
    assert {f.aim for f in fl} == set(want)  # 300 draws among 3: each drawn
    assert all((f.aim_lat_deg, f.aim_lon_deg) == want[f.aim] for f in fl)
    grid = _flights(sc, 1)
    lat = np.array([f.aim_lat_deg for f in grid])
    lon = np.array([f.aim_lon_deg for f in grid])
    # region box 20..50 N, 110..150 E every 5 deg: aims are grid points, named "lat,lon"
    assert np.all(lat % 5 == 0) and np.all(lon % 5 == 0)
    assert lat.min() >= 20 and lat.max() <= 50 and lon.min() >= 110 and lon.max() <= 150
    assert all(f.aim == f"{f.aim_lat_deg:g},{f.aim_lon_deg:g}" for f in grid)
    assert len({f.aim for f in grid}) > 50  # 63 grid points, 300 draws
    # the same draws index the aims as for a list: the CSV gives the same flights as the list
    listed = _scenario(tmp_path, '[[threat_ensemble]]\nname = "csv"\nlaunch = [[40.0, 116.0]]\n'
                       'aim = [{name = "Tokyo", lat_deg = 35.68, lon_deg = 139.77}, '
                       '{name = "Kadena", lat_deg = 26.355, lon_deg = 127.767}, '
                       '{name = "Taipei", lat_deg = 25.033, lon_deg = 121.565}]\n'
                       'samples = 300\nseed = 2\n')
    assert _flights(listed) == fl


def test_aim_region_of_points_and_polygon(tmp_path):
    pts = ('points = [{name = "Tokyo", lat_deg = 35.68, lon_deg = 139.77}, '
           '{name = "Naha", lat_deg = 26.21, lon_deg = 127.68}]\naltitude_km = 40\n')
    sc = _scenario(tmp_path, '[[threat_ensemble]]\nname = "p"\nlaunch = [[40.0, 116.0]]\n'
                   'aim = "region"\nfactorial = true\nlaunch_times = 2\n', region=pts)
    fl = _flights(sc)
    assert [f.aim for f in fl] == ["Tokyo", "Tokyo", "Naha", "Naha"]  # sites x aims x times
    _geojson(tmp_path / "tri.geojson", [[130.0, 30.0], [140.0, 30.0], [130.0, 40.0],
                                        [130.0, 30.0]])
    poly = ('polygon = "tri.geojson"\nstep_deg = 5\naltitude_km = 40\n')
    sc = _scenario(tmp_path, '[[threat_ensemble]]\nname = "t"\nlaunch = [[40.0, 116.0]]\n'
                   'aim = "region"\nfactorial = true\n', region=poly)
    # grid points of the triangle at 5 deg (boundary included, as the polygon mask)
    assert sorted((f.aim_lat_deg, f.aim_lon_deg) for f in _flights(sc)) == [
        (30.0, 130.0), (30.0, 135.0), (30.0, 140.0), (35.0, 130.0), (35.0, 135.0),
        (40.0, 130.0)]


# -- vehicles -------------------------------------------------------------------------------

VEHICLE = ('[[vehicle]]\nname = "ld3"\nlift_to_drag = 3.0\n'
           'ballistic_coefficient_kg_m2 = 9000\n')


def test_vehicle_lists_drawn_and_crossed(tmp_path):
    sc = _scenario(tmp_path, VEHICLE + '[[threat_ensemble]]\nname = "d"\n'
                   'launch = [[40.0, 116.0], [44.0, 125.5]]\naim = [[35.68, 139.77]]\n'
                   'samples = 400\nseed = 3\nvehicle = ["cav-h", "htv2", "ld3"]\n'
                   '[[threat_ensemble]]\nname = "f"\nlaunch = [[40.0, 116.0], [44.0, 125.5]]\n'
                   'aim = [[35.68, 139.77], [25.033, 121.565]]\nlaunch_times = 3\n'
                   'factorial = true\nvehicle = ["cav-h", "ld3"]\n'
                   'manoeuvre = ["none", "weave", "jink"]\n')
    drawn = _flights(sc, 0)
    names = [str(f.vehicle) for f in drawn]
    for v in ("cav-h", "htv2", "ld3"):  # 400 draws among 3: each about a third
        assert abs(names.count(v) / 400 - 1 / 3) < 4 * math.sqrt(2 / 9 / 400), v
    ld3 = next(f.vehicle for f in drawn if str(f.vehicle) == "ld3")
    from hgv_models.vehicles import Vehicle, vehicle_by_name
    assert isinstance(ld3, Vehicle) and vehicle_by_name(ld3) is ld3
    assert (ld3.lift_to_drag, ld3.ballistic_coefficient_kg_m2) == (3.0, 9000.0)
    # the sites and launch times are the draws of the same ensemble without vehicles
    plain = _scenario(tmp_path, '[[threat_ensemble]]\nname = "d"\n'
                      'launch = [[40.0, 116.0], [44.0, 125.5]]\naim = [[35.68, 139.77]]\n'
                      'samples = 400\nseed = 3\n')
    assert [dataclasses.astuple(f)[:7] for f in _flights(plain)] == [
        dataclasses.astuple(f)[:7] for f in drawn]
    fact = _flights(sc, 1)
    assert len(fact) == 2 * 2 * 3 * 2 * 3 == sc.threat_ensemble[1].n_flights
    combos = {(f.launch_lat_deg, f.aim, f.launch_offset_s, str(f.vehicle), f.manoeuvre)
              for f in fact}
    assert len(combos) == len(fact)  # every combination once
    # sorting flights by vehicle works with names and [[vehicle]] objects mixed
    assert sorted({f.vehicle for f in fact}, key=str) == sorted({f.vehicle for f in fact})


# -- manoeuvres -----------------------------------------------------------------------------

def test_manoeuvre_ranges_respected_and_reproducible(tmp_path):
    body = ('[[threat_ensemble]]\nname = "m"\nlaunch = [[40.0, 116.0], [44.0, 125.5]]\n'
            'aim = [[35.68, 139.77], [25.033, 121.565]]\nsamples = 600\nseed = 8\n'
            'manoeuvre = ["none", "weave", "jink"]\nweave_amplitude_deg = [10, 30]\n'
            'weave_period_s = 150\njink_bank_deg = [-45, 45]\njink_at_fraction = [0.2, 0.8]\n'
            'jink_duration_s = [20, 40]\n')
    sc = _scenario(tmp_path, body)
    fl = _flights(sc)
    assert fl == _flights(_scenario(tmp_path, body))
    by = {m: [f for f in fl if f.manoeuvre == m] for m in ("none", "weave", "jink")}
    assert all(abs(len(v) / 600 - 1 / 3) < 4 * math.sqrt(2 / 9 / 600) for v in by.values())
    amp = np.array([f.bank_amplitude_deg for f in by["weave"]])
    assert amp.min() >= 10 and amp.max() <= 30 and amp.max() - amp.min() > 15
    assert {f.bank_period_s for f in by["weave"]} == {150.0}  # a number is fixed
    assert all(f.jink_at_s is None for f in by["weave"])
    bank = np.array([f.bank_amplitude_deg for f in by["jink"]])
    dur = np.array([f.jink_duration_s for f in by["jink"]])
    assert bank.min() >= -45 and bank.max() <= 45 and (bank < 0).any() and (bank > 0).any()
    assert dur.min() >= 20 and dur.max() <= 40
    from hgv_models.threats import great_circle_distance_km
    for f in by["jink"]:
        nominal_s = great_circle_distance_km(f.launch_lat_deg, f.launch_lon_deg,
                                             f.aim_lat_deg, f.aim_lon_deg) / 2.5
        assert NOMINAL_GLIDE_SPEED_KM_S == 2.5
        assert 0.2 * nominal_s - 1e-3 <= f.jink_at_s <= 0.8 * nominal_s + 1e-3
        assert f.bank_period_s is None
    for f in by["none"]:
        assert all(getattr(f, c) is None for c in FLIGHT_COLUMNS)
    # the sites, aims and times are those of the ensemble without manoeuvres
    plain = _scenario(tmp_path, body.split("manoeuvre")[0])
    assert [dataclasses.astuple(f)[:8] for f in _flights(plain)] == [
        dataclasses.astuple(f)[:8] for f in fl]
    keys = {flight_bank_key(sc.threat_ensemble[0], f) for f in fl}
    assert len(keys) == 1 + len(by["weave"]) + len(by["jink"])


def test_jink_at_s_range_and_bank_programme(tmp_path):
    from hgv_models.guidance import jink
    sc = _scenario(tmp_path, '[[threat_ensemble]]\nname = "j"\nlaunch = [[40.0, 116.0]]\n'
                   'aim = [[35.68, 139.77]]\nsamples = 50\nmanoeuvre = "jink"\n'
                   'jink_at_s = [100, 300]\njink_bank_deg = 30\njink_duration_s = 25\n')
    spec = sc.threat_ensemble[0]
    fl = _flights(sc)
    at = np.array([f.jink_at_s for f in fl])
    assert at.min() >= 100 and at.max() <= 300 and np.unique(at).size == 50
    f = fl[0]
    np.testing.assert_array_equal(flight_bank(spec, f).rows, jink(f.jink_at_s, 30.0, 25.0).rows)
    assert flight_bank_key(spec, f) == ("jink", f.jink_at_s, 30.0, 25.0)


@pytest.fixture(scope="module")
def manoeuvre_run(tmp_path_factory):
    """One run: a jink flight, a weave flight with a drawn amplitude and a [[vehicle]]
    flight, and the [[vehicle]] flight again as a [[threat]]."""
    tmp = tmp_path_factory.mktemp("man")
    (tmp / "aims.csv").write_text("name,lat_deg,lon_deg\nTokyo,35.68,139.77\n")
    extra = (VEHICLE + '[[threat]]\nname = "as threat"\nlaunch = [40.0, 116.0]\n'
             'aim = [35.68, 139.77]\nvehicle = "ld3"\nlaunch_time = "2026-11-21T00:10:00Z"\n'
             '[[threat_ensemble]]\nname = "e"\nlaunch = [[40.0, 116.0]]\naim = "aims.csv"\n'
             'launch_times = ["2026-11-21T00:10:00Z"]\nfactorial = true\n'
             'vehicle = ["cav-h", "ld3"]\nmanoeuvre = ["none", "weave", "jink"]\n'
             'weave_amplitude_deg = [15, 35]\nweave_period_s = [120, 240]\n'
             'jink_at_s = [150, 250]\njink_bank_deg = [20, 40]\njink_duration_s = 30\n'
             '[[threat_ensemble]]\nname = "far"\nlaunch = [[40.0, 116.0]]\n'
             'aim = [[10.0, -60.0]]\nfactorial = true\nvehicle = "ld3"\n')
    sc = _scenario(tmp, extra)
    summary = run_scenario(sc, tmp / "out", maps=False, exports=False)
    table = pd.read_csv(tmp / "out" / "ensemble.csv")
    return sc, summary, table, tmp


def test_manoeuvre_flights_equal_fly_threat_with_the_same_bank(manoeuvre_run):
    """Every flight of a crossed vehicle x manoeuvre ensemble equals fly_threat with the
    same vehicle and bank programme (guidance.weave / guidance.jink written out here)
    tracked by track_coverage; the drawn parameters are the CSV's."""
    from constellation import track_coverage
    from hgv_models.guidance import jink, weave
    from hgv_models.radar import JAPAN_RADAR_SITES
    from hgv_models.threats import Threat, fly_threat

    sc, _, table, _ = manoeuvre_run
    rows = table[table["ensemble"] == "e"].reset_index(drop=True)
    assert tuple(rows.columns) == ENSEMBLE_COLUMNS and len(rows) == 6
    assert set(rows["status"]) == {"ok"}
    inputs = build_inputs(sc, StageClock(NullProgress()))
    vehicles = sc.build_vehicles()
    for _, r in rows.iterrows():
        if r["manoeuvre"] == "weave":
            assert 15 <= r["bank_amplitude_deg"] <= 35 and 120 <= r["bank_period_s"] <= 240
            bank = weave(r["bank_amplitude_deg"], r["bank_period_s"])
        elif r["manoeuvre"] == "jink":
            assert 150 <= r["jink_at_s"] <= 250 and 20 <= r["bank_amplitude_deg"] <= 40
            assert r["jink_duration_s"] == 30.0 and pd.isna(r["bank_period_s"])
            bank = jink(r["jink_at_s"], r["bank_amplitude_deg"], 30.0)
        else:
            assert all(pd.isna(r[c]) for c in FLIGHT_COLUMNS)
            bank = 0.0
        vehicle = vehicles.get(r["vehicle"], r["vehicle"])
        traj = fly_threat(Threat(r["flight"], 40.0, 116.0, 35.68, 139.77, vehicle=vehicle),
                          sample_step_s=5.0, bank_deg=bank)
        ref = track_coverage(inputs.satellites, [(r["flight"], traj, 600.0)], inputs.sensors,
                             sc.time.start, radar_sites=JAPAN_RADAR_SITES).per_threat[r["flight"]]
        for col in ("flight_time_s", "custody_fraction", "stereo_fraction",
                    "longest_custody_gap_s", "first_detection_s"):
            assert r[col] == pytest.approx(ref[col], rel=1e-12, abs=1e-9), (r["flight"], col)
    # the manoeuvres change the flights (a weave and a jink lengthen the path)
    ft = rows.set_index(["vehicle", "manoeuvre"])["flight_time_s"]
    assert ft["cav-h", "weave"] != ft["cav-h", "none"] != ft["cav-h", "jink"]


def test_vehicle_flight_equals_the_same_threat(manoeuvre_run):
    """The [[vehicle]] flight without manoeuvre equals the same flight given as a [[threat]]
    with ``vehicle = "ld3"`` (the [[vehicle]] table is usable by [[threat]] too)."""
    _, summary, table, _ = manoeuvre_run
    row = table[(table["ensemble"] == "e") & (table["vehicle"] == "ld3")
                & (table["manoeuvre"] == "none")].iloc[0]
    ref = summary["per_threat"]["as threat"]
    assert ref["vehicle"] == "ld3"
    for col in ("flight_time_s", "first_detection_s", "first_stereo_s", "custody_fraction",
                "stereo_fraction", "longest_custody_gap_s", "warning_time_s"):
        assert row[col] == pytest.approx(ref[col], rel=1e-12, abs=1e-9), col
    # and differs from the library CAV-H's
    cav = table[(table["ensemble"] == "e") & (table["vehicle"] == "cav-h")
                & (table["manoeuvre"] == "none")].iloc[0]
    assert cav["flight_time_s"] != row["flight_time_s"]


def test_unreachable_pair_reported(manoeuvre_run):
    _, summary, table, _ = manoeuvre_run
    far = table[table["ensemble"] == "far"]
    assert len(far) == 1 and far.iloc[0]["status"] == "unreachable"
    reason = far.iloc[0]["reason"]  # the shooting's own words: out of range for this vehicle
    assert "release speed" in reason or "final miss" in reason, reason
    assert pd.isna(far.iloc[0]["flight_time_s"])
    assert summary["ensembles"]["far"]["n_unreachable"] == 1


# -- threat-weighted statistics -------------------------------------------------------------

def test_threat_weighted_statistics_by_hand():
    """Samples on a 3 x 3 grid across 180 deg (lon 175, 180, 185 = -175): counts 3, 1, 2 on
    three points (one sample off the grid), the mean weighted by those counts."""
    from constellation import RegionGrid
    grid = RegionGrid(np.array([10.0, 15.0, 20.0]), np.array([175.0, 180.0, 185.0]), 40.0, 5.0)
    corridor = CorridorGrid(region_grid=grid)
    corridor.add(np.array([10.2, 9.0, 11.9, 15.0, 19.0, 20.4, 30.0]),
                 np.array([175.4, 177.0, 173.0, -180.0, -175.3, 184.0, 180.0]),
                 np.zeros(7, dtype=bool))
    want = np.zeros((3, 3), dtype=np.int64)
    want[0, 0] = 3   # (10.2, 175.4), (9.0, 177.0), (11.9, 173.0): nearest (10, 175)
    want[1, 1] = 1   # (15, -180) = (15, 180)
    want[2, 2] = 2   # (19.0, -175.3) = 184.7 and (20.4, 184.0): nearest (20, 185)
    np.testing.assert_array_equal(corridor.region_counts, want)
    assert corridor.n_samples_total == 7  # (30, 180) is off the grid
    f1 = np.array([[0.5, 0.0, 0.0], [0.0, 0.9, 0.0], [0.0, 0.0, 0.2]])
    f1[0, 1] = np.nan  # a NaN point with no samples changes nothing
    ds = xr.Dataset({"fraction_1": (("lat", "lon"), f1),
                     "fraction_stereo": (("lat", "lon"), f1 / 2)},
                    coords={"lat": grid.lat_deg, "lon": grid.lon_deg})
    st = threat_weighted_statistics(ds, corridor.region_counts)
    assert st["fraction_1_mean"] == pytest.approx((3 * 0.5 + 1 * 0.9 + 2 * 0.2) / 6, abs=1e-15)
    assert st["fraction_stereo_mean"] == pytest.approx((3 * 0.25 + 0.45 + 2 * 0.1) / 6,
                                                       abs=1e-15)
    assert st["n_samples_on_grid"] == 6 and st["n_points_weighted"] == 3
    assert "fraction_2_mean" not in st  # only the variables present
    mask = np.ones((3, 3), dtype=bool)
    mask[0, 0] = False  # outside the polygon: its 3 samples drop out
    st = threat_weighted_statistics(ds, corridor.region_counts, mask)
    assert st["fraction_1_mean"] == pytest.approx((0.9 + 2 * 0.2) / 3, abs=1e-15)


def test_threat_weighted_run_matches_the_tracks(tmp_path):
    """In a run, summary.json's threat-weighted means equal a count of the same flights'
    tracks.csv samples (flown as [[threat]] entries) on the coverage grid, by hand."""
    ens = ('[[threat_ensemble]]\nname = "w"\nlaunch = [[40.0, 116.0], [44.0, 125.5]]\n'
           'aim = [[35.68, 139.77]]\nlaunch_times = ["2026-11-21T00:10:00Z"]\n'
           'factorial = true\n')
    threats = "".join(f'[[threat]]\nname = "w#{k + 1}"\nlaunch = [{la}, {lo}]\n'
                      'aim = [35.68, 139.77]\nlaunch_time = "2026-11-21T00:10:00Z"\n'
                      for k, (la, lo) in enumerate(((40.0, 116.0), (44.0, 125.5))))
    sc = _scenario(tmp_path, ens + threats)
    summary = run_scenario(sc, tmp_path / "out", maps=False, exports=False)
    tw = summary["ensembles"]["w"]["threat_weighted"]
    tracks = pd.read_csv(tmp_path / "out" / "tracks.csv")
    ds = xr.open_dataset(tmp_path / "out" / "coverage.nc")
    lat0, lon0, step = 20.0, 110.0, 5.0
    i = np.rint((tracks["lat_deg"] - lat0) / step).astype(int)
    j = np.rint((tracks["lon_deg"] % 360.0 - lon0) / step).astype(int)
    on = (i >= 0) & (i < ds.sizes["lat"]) & (j >= 0) & (j < ds.sizes["lon"])
    assert tw["n_samples_on_grid"] == int(on.sum()) > 100
    for var in ("fraction_1", "fraction_2", "fraction_stereo", "mean_count"):
        v = ds[var].values[i[on], j[on]]
        assert tw[f"{var}_mean"] == pytest.approx(float(np.mean(v)), rel=1e-12), var
    # beside the area-weighted figure, and different from it (the flights fly one corridor)
    assert tw["fraction_1_mean"] != summary["region_statistics"]["fraction_1_mean"]
    ds.close()


def test_console_prints_threat_weighted_beside_area():
    from io import StringIO

    from hgvcov.report import print_summary
    out = StringIO()
    print_summary({"region_statistics": {"fraction_1_mean": 0.5, "fraction_1_min": 0.1,
                                         "fraction_stereo_mean": 0.25},
                   "ensembles": {"japan": {"threat_weighted": {"fraction_1_mean": 0.875,
                                                               "fraction_stereo_mean": 0.125}}}},
                  stream=out)
    text = out.getvalue()
    assert "threat-weighted" in text and "(japan)" in text
    line = next(ln for ln in text.splitlines() if ">= 1 satellite" in ln)
    assert "50.0 %" in line and "87.5 %" in line
    line = next(ln for ln in text.splitlines() if "stereo pair" in ln)
    assert "25.0 %" in line and "12.5 %" in line


# -- bad input ------------------------------------------------------------------------------

BASE = ('[[threat_ensemble]]\nname = "x"\nlaunch = [[40.0, 116.0]]\naim = [[35.68, 139.77]]\n'
        'samples = 2\n')


@pytest.mark.parametrize("lines, key", [
    ('launch_area = "missing.geojson"\n', "threat_ensemble[0].launch"),
    ('manoeuvre = ["none", "loop"]\n', "threat_ensemble[0].manoeuvre[1]"),
    ('manoeuvre = []\n', "threat_ensemble[0].manoeuvre"),
    ('weave_amplitude_deg = [30, 10]\n', "threat_ensemble[0].weave_amplitude_deg"),
    ('weave_amplitude_deg = 0\n', "threat_ensemble[0].weave_amplitude_deg"),
    ('weave_period_s = [100, 200, 300]\n', "threat_ensemble[0].weave_period_s"),
    ('jink_bank_deg = 100\n', "threat_ensemble[0].jink_bank_deg"),
    ('jink_at_fraction = [0.5, 1.5]\n', "threat_ensemble[0].jink_at_fraction"),
    ('jink_at_s = 100\njink_at_fraction = 0.5\n', "threat_ensemble[0].jink_at_fraction"),
    ('jink_duration_s = -5\n', "threat_ensemble[0].jink_duration_s"),
    ('vehicle = ["cav-h", "x-37"]\n', "threat_ensemble[0].vehicle[1]"),
    ('vehicle = []\n', "threat_ensemble[0].vehicle"),
    ('aim = "missing.csv"\n', "threat_ensemble[0].aim"),
])
def test_bad_ensemble_input_exit_2(tmp_path, capsys, lines, key):
    body = BASE
    for ln in lines.splitlines():
        k = ln.split(" = ")[0]
        body = "\n".join(b for b in body.splitlines() if not b.startswith(k + " ")) + "\n"
    if "launch_area" in lines:
        body = body.replace("launch = [[40.0, 116.0]]\n", "")
    path = tmp_path / "bad.toml"
    path.write_text(scenario_toml("x", 600, 120, box_region((20, 50), (110, 150), 5, 40),
                                  extra=body + lines))
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-maps"]) == 2
    err = capsys.readouterr().err
    assert key in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("files, lines, key, words", [
    ({"bad.geojson": '{"type": "Point", "coordinates": [1, 2]}'},
     'launch_area = "bad.geojson"\n', "threat_ensemble[0].launch_area", "Polygon"),
    ({"aims.csv": "name,lat_deg\nTokyo,35.68\n"}, 'aim = "aims.csv"\n', "threat_ensemble[0].aim",
     "lon_deg"),
    ({"aims.csv": "name,lat_deg,lon_deg\nTokyo,135.68,139.77\n"}, 'aim = "aims.csv"\n',
     "threat_ensemble[0].aim", "lat_deg"),
])
def test_bad_input_files_exit_2(tmp_path, capsys, files, lines, key, words):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    body = BASE.replace('aim = [[35.68, 139.77]]\n', "") if "aim" in lines else BASE
    if "launch_area" in lines:
        body = body.replace("launch = [[40.0, 116.0]]\n", "")
    path = tmp_path / "bad.toml"
    path.write_text(scenario_toml("x", 600, 120, box_region((20, 50), (110, 150), 5, 40),
                                  extra=body + lines))
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-maps"]) == 2
    err = capsys.readouterr().err
    assert key in err and words in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("extra, key", [
    ('[[vehicle]]\nname = "HTV2"\nlift_to_drag = 3\nballistic_coefficient_kg_m2 = 9000\n',
     "vehicle[0].name"),
    ('[[vehicle]]\nname = "v"\nlift_to_drag = 0\nballistic_coefficient_kg_m2 = 9000\n',
     "vehicle[0].lift_to_drag"),
    ('[[vehicle]]\nname = "v"\nlift_to_drag = 2\n', "vehicle[0].ballistic_coefficient_kg_m2"),
    ('[[threat]]\nname = "t"\nlaunch = [40.0, 116.0]\naim = [35.68, 139.77]\nvehicle = "v9"\n',
     "threat[0].vehicle"),
])
def test_bad_vehicle_tables_exit_2(tmp_path, capsys, extra, key):
    path = tmp_path / "bad.toml"
    path.write_text(scenario_toml("x", 600, 120, box_region((20, 50), (110, 150), 5, 40),
                                  extra=extra))
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-maps"]) == 2
    err = capsys.readouterr().err
    assert key in err, err
    assert "Traceback" not in err


# -- corridor map ---------------------------------------------------------------------------

def test_corridor_box_across_the_antimeridian():
    from hgvcov.plots.ensemble import corridor_box
    c = CorridorGrid()
    lon = np.r_[np.linspace(120.0, 179.5, 50), np.linspace(-179.5, -170.2, 20)]
    c.add(np.full(lon.size, 30.0), lon, np.zeros(lon.size, dtype=bool))
    lon0, lon1, lat0, lat1 = corridor_box(c, margin_deg=2.0)
    # cells 120..121 to -171..-170 (= 189..190): the 70-deg arc across 180, not the globe
    assert (lon0, lon1) == (118.0, 192.0) and (lat0, lat1) == (28.0, 33.0)
    one = CorridorGrid()
    one.add(np.array([10.5]), np.array([-0.5]), np.array([True]))
    assert corridor_box(one, margin_deg=0.0) == (-1.0, 0.0, 10.0, 11.0)


@pytest.mark.parametrize("projection", ["auto", "platecarree", "mercator", "robinson"])
def test_corridor_map_projections_across_180(tmp_path, projection):
    from hgvcov.plots.ensemble import plot_ensemble_corridor
    c = CorridorGrid()
    lon = np.r_[np.linspace(120.0, 179.5, 200), np.linspace(-179.5, -170.2, 60)]
    lat = np.linspace(40.0, 25.0, lon.size)
    c.add(lat, lon, np.arange(lon.size) % 3 == 0)
    table = pd.DataFrame({"ensemble": ["p", "p"], "launch_lat_deg": [40.0, 40.0],
                          "launch_lon_deg": [120.0, 120.0], "aim": ["Midway", "Midway"],
                          "aim_lat_deg": [28.21, 28.21], "aim_lon_deg": [-177.37, -177.37]})
    path = plot_ensemble_corridor(c, "p", tmp_path / f"c_{projection}.png",
                                  projection=projection, table=table)
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 20_000


# -- the example ----------------------------------------------------------------------------

def test_japan_example_runs(tmp_path):
    """examples/ensemble_japan.toml (its launch area and aim CSV beside it), with 8 samples:
    every aim point is one of the four defended sites, both vehicles and all manoeuvres
    parse, and the summary has the threat-weighted statistics."""
    for name in ("ensemble_japan.toml", "ensemble_japan_launch_area.geojson",
                 "ensemble_japan_aims.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    text = (tmp_path / "ensemble_japan.toml").read_text()
    assert "samples = 48\n" in text
    (tmp_path / "ensemble_japan.toml").write_text(text.replace("samples = 48\n", "samples = 8\n"))
    sc = load_scenario(tmp_path / "ensemble_japan.toml")
    full = scenario_flights(load_scenario(EXAMPLES / "ensemble_japan.toml"))[0][1]
    assert len(full) == 48
    assert {f.aim for f in full} == {"Tokyo", "Kadena AB", "Andersen AFB (Guam)", "Taipei"}
    assert {str(f.vehicle) for f in full} == {"cav-h", "ld3-glider"}
    assert {f.manoeuvre for f in full} == {"none", "weave", "jink"}
    summary = run_scenario(sc, tmp_path / "out", maps=False, exports=False)
    table = pd.read_csv(tmp_path / "out" / "ensemble.csv")
    assert len(table) == 8 and set(table["status"]) == {"ok"}
    tw = summary["ensembles"]["japan"]["threat_weighted"]
    assert 0.0 <= tw["fraction_stereo_mean"] <= 1.0 and tw["n_samples_on_grid"] > 0
