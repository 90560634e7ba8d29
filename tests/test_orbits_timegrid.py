"""TimeGrid semantics: count = floor(duration/step), samples k*step, UTC/UT1/TT scales."""

from datetime import datetime, timezone

import numpy as np
import pytest

from orbits.timegrid import TimeGrid, TimeGridError, builtin_timescale, parse_utc, time_grid

one_microsecond_days = 1e-6 / 86400.0
# skyfield builds Time from a float seconds sum; its JD parts resolve ~20 us at JD 2.46e6
thirty_microseconds_days = 30e-6 / 86400.0


def test_parse_utc_forms():
    ref = datetime(2026, 11, 21, 0, 0, tzinfo=timezone.utc)
    assert parse_utc("2026-11-21T00:00:00Z") == ref
    assert parse_utc("2026-11-21") == ref
    assert parse_utc("2026-11-21 09:00:00+09:00") == ref
    assert parse_utc("2026-11-21T00:00:00.250Z").microsecond == 250000
    assert parse_utc(datetime(2026, 11, 21)) == ref


@pytest.mark.parametrize("bad", ["2026-13-01T00:00:00Z", "yesterday", "2016-12-31T23:59:60Z", 5])
def test_parse_utc_rejects(bad):
    with pytest.raises(TimeGridError, match=repr(bad) if isinstance(bad, str) else "ISO"):
        parse_utc(bad)


@pytest.mark.parametrize("duration_s,step_s,count", [(86400, 30, 2880), (100, 30, 3),
                                                     (0.3, 0.1, 3), (59.9, 60, None)])
def test_count_is_floor_of_duration_over_step(duration_s, step_s, count):
    if count is None:
        with pytest.raises(TimeGridError, match="duration_s"):
            time_grid("2026-11-21T00:00:00Z", step_s, duration_s=duration_s)
        return
    g = time_grid("2026-11-21T00:00:00Z", step_s, duration_s=duration_s)
    assert g.count == count
    np.testing.assert_array_equal(g.seconds, np.arange(count) * step_s)
    assert g.step_s == step_s


def test_grid_properties_and_iso():
    g = time_grid("2026-11-21T00:00:00Z", 30, count=4)
    assert g.utc_iso_array() == ["2026-11-21T00:00:00Z", "2026-11-21T00:00:30Z",
                                 "2026-11-21T00:01:00Z", "2026-11-21T00:01:30Z"]
    assert g.stop_utc == datetime(2026, 11, 21, 0, 1, 30, tzinfo=timezone.utc)
    irregular = TimeGrid.from_seconds("2026-11-21T00:00:00Z", [0.0, 1.0, 3.0])
    assert irregular.step_s is None
    with pytest.raises(TimeGridError, match="non-decreasing"):
        TimeGrid.from_seconds("2026-11-21T00:00:00Z", [0.0, 2.0, 1.0])
    with pytest.raises(TimeGridError, match="step_s"):
        time_grid("2026-11-21T00:00:00Z", -1, count=3)
    with pytest.raises(TimeGridError, match="count"):
        time_grid("2026-11-21T00:00:00Z", 1, count=0)


def test_julian_dates_against_skyfield():
    ts = builtin_timescale()
    g = time_grid("2026-11-21T06:30:15.5Z", 3600.0, count=30)
    t = ts.utc(2026, 11, 21, 6, 30, 15.5 + g.seconds)
    w, f = g.jd_utc_parts()
    # skyfield's UTC JD = TAI minus leap seconds
    jd_utc_sky = t.whole + t.tai_fraction - t._leap_seconds() / 86400.0
    np.testing.assert_allclose((w - t.whole) + f, jd_utc_sky - t.whole, rtol=0, atol=thirty_microseconds_days)
    np.testing.assert_allclose(g.jd_ut1(), t.ut1, rtol=0, atol=one_microsecond_days)
    np.testing.assert_allclose(g.jd_tt(), t.tt, rtol=0, atol=one_microsecond_days)
    # our own split is exact to the microsecond: start 06:30:15.5 is 0.271012731... day
    assert abs(f[0] - (6 * 3600 + 30 * 60 + 15.5) / 86400.0) < 1e-15 and w[0] == 2461365.5
    # TT - UTC = 32.184 s + 37 leap seconds in 2026; UT1 - UTC within 0.9 s
    assert abs((g.jd_tt()[0] - g.jd_utc()[0]) * 86400 - 69.184) < 1e-3
    assert abs((g.jd_ut1()[0] - g.jd_utc()[0]) * 86400) < 0.9


def test_subgrid_keeps_start():
    g = time_grid("2026-11-21T00:00:00Z", 10, count=100)
    s = g.subgrid(10, 20)
    assert s.start_utc == g.start_utc
    np.testing.assert_array_equal(s.seconds, g.seconds[10:20])
    np.testing.assert_array_equal(s.jd_ut1(), g.jd_ut1()[10:20])

