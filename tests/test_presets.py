"""Preset tracking layers: published counts/planes/altitudes and the unknown-name error."""

from __future__ import annotations

import numpy as np
import pytest

from constellation.presets import PRESETS, PresetError, preset, preset_names
from constellation.walker import walker_elements

EPOCH = "2026-11-21T00:00:00Z"
wgs84_a_km = 6378.137
mean_vs_set_km = 1e-6  # from_elements -> elements() round trip on the semi-major axis

# (name, satellites, planes, altitude_km) as published (see constellation/presets.py)
PUBLISHED = [
    ("sda-tranche0-tracking", 8, None, 1000.0),
    ("sda-tranche1-tracking", 28, 4, 1000.0),
    ("sda-tranche2-tracking", 54, 6, None),
    ("japan-hgv-tracking", 50, None, None),
    ("japan-hgv-demo", 3, None, 400.0),
]


def test_every_preset_is_tested():
    assert sorted(n for n, *_ in PUBLISHED) == preset_names()


@pytest.mark.parametrize("name, total, planes, altitude_km", PUBLISHED)
def test_preset_matches_published_figures(name, total, planes, altitude_km):
    spec = PRESETS[name]
    assert spec.total == total
    if planes is not None:
        assert spec.shells[0].planes == planes
    if altitude_km is not None:
        assert spec.shells[0].altitude_km == altitude_km
    assert spec.sources, "every preset cites its sources"
    sats = preset(name, EPOCH)
    assert len(sats) == total
    assert len(set(sats.names)) == total
    el = sats.elements()
    sh = spec.shells[0]
    np.testing.assert_allclose(el["semi_major_axis_km"], wgs84_a_km + sh.altitude_km,
                               atol=mean_vs_set_km)
    np.testing.assert_allclose(el["eccentricity"], 0.0, atol=1e-12)
    raan, ma = walker_elements(sh.pattern, sh.total, sh.planes, sh.phasing,
                               sh.inclination_deg, sh.raan0_deg)
    d = np.abs((el["raan_deg"] - raan + 180) % 360 - 180)
    assert d.max() < 1e-9
    d = np.abs((el["mean_anomaly_deg"] - ma + 180) % 360 - 180)
    assert d.max() < 1e-9


def test_tranche1_four_planes_of_seven():
    el = preset("sda-tranche1-tracking", EPOCH).elements()
    nodes, counts = np.unique(np.round(el["raan_deg"], 6), return_counts=True)
    np.testing.assert_allclose(nodes, [0, 90, 180, 270])
    assert list(counts) == [7, 7, 7, 7]


def test_unknown_preset_lists_valid_names():
    with pytest.raises(PresetError) as e:
        preset("sda-tranche9", EPOCH)
    msg = str(e.value)
    assert isinstance(e.value, ValueError)
    assert "'sda-tranche9'" in msg
    for n in preset_names():
        assert n in msg


def test_name_is_case_insensitive():
    assert len(preset(" SDA-Tranche1-Tracking ", EPOCH)) == 28
