"""TLE / OMM reading and writing: CelesTrak layouts, errors with file and line, round trips."""

import json

import numpy as np
import pytest

from orbits import SatelliteSet, propagate, time_grid
from orbits.tle import (OrbitFileError, read_omm, read_orbits, read_tle, tle_checksum,
                        write_omm, write_tle)

one_m_km = 1e-3
tle_rounding_km = 50e-3  # TLE text keeps 1e-4 deg, 1e-7 in e, 1e-8 rev/day, 1e-8 day

ISS = ["ISS (ZARYA)",
       "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
       "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482"]
VANGUARD = ["0 VANGUARD 1",
            "1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753",
            "2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667"]
CELESTRAK_JSON = """[{
    "OBJECT_NAME": "ISS (ZARYA)",
    "OBJECT_ID": "1998-067A",
    "EPOCH": "2019-12-09T16:38:29.363424",
    "MEAN_MOTION": 15.50103472,
    "ECCENTRICITY": 0.0007417,
    "INCLINATION": 51.6439,
    "RA_OF_ASC_NODE": 211.2001,
    "ARG_OF_PERICENTER": 17.6667,
    "MEAN_ANOMALY": 85.6398,
    "EPHEMERIS_TYPE": 0,
    "CLASSIFICATION_TYPE": "U",
    "NORAD_CAT_ID": 25544,
    "ELEMENT_SET_NO": 999,
    "REV_AT_EPOCH": 20248,
    "BSTAR": 3.8792e-5,
    "MEAN_MOTION_DOT": 1.764e-5,
    "MEAN_MOTION_DDOT": 0
}]
"""
CELESTRAK_CSV = (
    "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
    "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
    "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n"
    "ISS (ZARYA),1998-067A,2019-12-09T16:38:29.363424,15.50103472,.0007417,51.6439,211.2001,"
    "17.6667,85.6398,0,U,25544,999,20248,.38792E-4,.1764E-4,0\n")
CELESTRAK_XML = """<?xml version="1.0" encoding="UTF-8"?>
<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd">
<omm id="CCSDS_OMM_VERS" version="2.0">
<header><CREATION_DATE/><ORIGINATOR/></header><body><segment><metadata><OBJECT_NAME>ISS (ZARYA)</OBJECT_NAME><OBJECT_ID>1998-067A</OBJECT_ID><CENTER_NAME>EARTH</CENTER_NAME><REF_FRAME>TEME</REF_FRAME><TIME_SYSTEM>UTC</TIME_SYSTEM><MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY></metadata><data><meanElements><EPOCH>2019-12-09T16:38:29.363424</EPOCH><MEAN_MOTION>15.50103472</MEAN_MOTION><ECCENTRICITY>.0007417</ECCENTRICITY><INCLINATION>51.6439</INCLINATION><RA_OF_ASC_NODE>211.2001</RA_OF_ASC_NODE><ARG_OF_PERICENTER>17.6667</ARG_OF_PERICENTER><MEAN_ANOMALY>85.6398</MEAN_ANOMALY></meanElements><tleParameters><EPHEMERIS_TYPE>0</EPHEMERIS_TYPE><CLASSIFICATION_TYPE>U</CLASSIFICATION_TYPE><NORAD_CAT_ID>25544</NORAD_CAT_ID><ELEMENT_SET_NO>999</ELEMENT_SET_NO><REV_AT_EPOCH>20248</REV_AT_EPOCH><BSTAR>.38792E-4</BSTAR><MEAN_MOTION_DOT>.1764E-4</MEAN_MOTION_DOT><MEAN_MOTION_DDOT>0</MEAN_MOTION_DDOT></tleParameters></data></segment></body></omm>
</ndm>
"""

GRID = time_grid("2019-12-09T17:00:00Z", 600.0, count=144)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_3line_2line_and_names(tmp_path):
    p = _write(tmp_path, "sats.tle", "\n".join(ISS + [""] + VANGUARD) + "\n")
    s = read_tle(p)
    assert s.names == ["ISS (ZARYA)", "VANGUARD 1"]
    assert s.source == [str(p)] * 2
    p2 = _write(tmp_path, "two.txt", "\n".join(ISS[1:] + VANGUARD[1:]) + "\r\n")
    s2 = read_orbits(p2)
    assert s2.names == ["25544", "00005"]
    assert s2.satrecs[0].satnum == 25544


@pytest.mark.parametrize("fmt,text", [("json", CELESTRAK_JSON), ("csv", CELESTRAK_CSV),
                                      ("xml", CELESTRAK_XML)])
def test_celestrak_omm_matches_tle(tmp_path, fmt, text):
    omm = read_orbits(_write(tmp_path, f"iss.{fmt}", text))
    assert omm.names == ["ISS (ZARYA)"]
    tle = read_tle(_write(tmp_path, "iss.tle", "\n".join(ISS)))
    d = np.abs(propagate(omm, GRID).positions_km - propagate(tle, GRID).positions_km).max()
    assert d < one_m_km
    # content sniffing without the extension
    again = read_orbits(_write(tmp_path, f"iss_{fmt}.dat", text))
    assert again.names == ["ISS (ZARYA)"]


def _bad(lines, i, col, ch, fix_checksum=True):
    ln = list(lines[i])
    ln[col] = ch
    s = "".join(ln)
    if fix_checksum:
        s = s[:68] + str(tle_checksum(s))
    out = list(lines)
    out[i] = s
    return out


@pytest.mark.parametrize("lines,line_no,match", [
    (_bad(ISS, 2, 68, "0", fix_checksum=False), 3, "checksum"),
    (_bad(ISS, 1, 17, "X"), 2, "column 18 must be blank"),
    (ISS[:2] + [ISS[2][:60]], 3, "60 characters, expected 69"),
    (_bad(_bad(ISS, 2, 8, "2"), 2, 9, "5"), 3, "inclination .* allowed 0..180"),
    (_bad(ISS, 2, 43, "9"), 3, "mean anomaly .*= 985.6398"),
    (_bad(ISS, 2, 6, "5"), 3, "catalogue number"),
    (ISS[:2], 2, "TLE line 1 is not followed by line 2"),
    (ISS[1:2] + ["NAME"], 2, "expected TLE line 2"),
    (["NAME ONLY", "garbage"], 2, "expected TLE line 1"),
])
def test_tle_errors_name_file_line_and_problem(tmp_path, lines, line_no, match):
    p = _write(tmp_path, "bad.tle", "\n".join(lines) + "\n")
    with pytest.raises(OrbitFileError, match=match) as ei:
        read_tle(p)
    assert ei.value.line == line_no
    assert str(ei.value).startswith(f"{p}:{line_no}: ")
    assert isinstance(ei.value, ValueError)


def test_omm_errors_name_line_and_field(tmp_path):
    bad_json = CELESTRAK_JSON.replace('"ECCENTRICITY": 0.0007417', '"ECCENTRICITY": 1.5')
    two = "[" + CELESTRAK_JSON.strip()[1:-1] + ",\n" + bad_json.strip()[1:-1] + "]"
    p = _write(tmp_path, "two.json", two)
    with pytest.raises(OrbitFileError, match="ECCENTRICITY=1.5, allowed 0 <= e < 1") as ei:
        read_omm(p)
    assert ei.value.line == 20  # the second object's opening brace
    csv_missing = CELESTRAK_CSV + "X,2000-001A,,15.5,0,0,0,0,0,0,U,1,1,1,0,0,0\n"
    with pytest.raises(OrbitFileError, match="required field EPOCH") as ei:
        read_omm(_write(tmp_path, "m.csv", csv_missing))
    assert ei.value.line == 3
    with pytest.raises(OrbitFileError, match="invalid JSON"):
        read_omm(_write(tmp_path, "x.json", "[{"))
    with pytest.raises(OrbitFileError, match="INCLINATION='abc' is not a number") as ei:
        read_omm(_write(tmp_path, "x.xml", CELESTRAK_XML.replace(">51.6439<", ">abc<")))
    assert ei.value.line == 4
    with pytest.raises(OrbitFileError, match="file not found"):
        read_orbits(tmp_path / "missing.tle")


def _walker_like():
    n = 12
    return SatelliteSet.from_elements([f"W{i:02d}" for i in range(n)], 7378.137, 0.0, 53.0,
                                      (np.arange(n) // 3) * 90.0, 0.0, (np.arange(n) % 3) * 120.0,
                                      "2026-11-21T00:00:00Z", bstar=1e-5)


@pytest.mark.parametrize("fmt", ["json", "csv", "xml"])
def test_write_omm_round_trip_is_exact(tmp_path, fmt):
    sats = _walker_like()
    p = write_omm(sats, tmp_path / f"w.{fmt}", fmt=fmt)
    back = read_omm(p)
    assert back.names == sats.names
    e0, e1 = sats.elements(), back.elements()
    for k in ("eccentricity", "inclination_deg", "raan_deg", "mean_anomaly_deg",
              "mean_motion_rev_per_day", "bstar"):
        np.testing.assert_allclose(e1[k], e0[k], rtol=1e-12, atol=1e-12)
    grid = time_grid("2026-11-21T00:00:00Z", 600.0, count=144)
    d = np.abs(propagate(sats, grid).positions_km - propagate(back, grid).positions_km).max()
    assert d < one_m_km


def test_write_tle_round_trip_within_tle_precision(tmp_path):
    sats = _walker_like()
    p = write_tle(sats, tmp_path / "w.tle")
    back = read_tle(p)  # also proves our export passes our own checksum/layout checks
    assert back.names == sats.names
    grid = time_grid("2026-11-21T00:00:00Z", 600.0, count=144)
    d = np.abs(propagate(sats, grid).positions_km - propagate(back, grid).positions_km).max()
    assert d < tle_rounding_km
    json.loads(json.dumps(back.elements()["raan_deg"].tolist()))
