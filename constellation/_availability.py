"""Degraded-mode coverage: expected coverage when each satellite is available with probability p.

Each satellite is independently available (working) with probability ``p`` at a sample; a
point detected by ``n`` satellites at a sample then keeps

- at least one detection with probability ``P1 = 1 - (1 - p)^n``,
- at least two with ``P2 = 1 - (1 - p)^n - n p (1 - p)^(n - 1)`` (the binomial distribution of
  the surviving count, ``Binomial(n, p)``; e.g. Feller, *An Introduction to Probability
  Theory and Its Applications* I, 3rd ed., VI.2),
- a stereo pair with ``PS = 1 - P[no edge of the pair graph survives]``, the pair graph having
  the detecting satellites as vertices and the valid stereo pairs as edges.

``PS`` is computed exactly by :func:`stereo_survival`: the probability that the surviving set
is an independent set of the pair graph, by the vertex-elimination recursion
``N(M) = q N(M - v) + p q^deg_M(v) N(M - v - nb(v))`` (``v`` fails, or ``v`` survives and so
must all its neighbours fail; ``q = 1 - p``; ``N(M) = 1`` when ``M`` spans no edge, and
``N(M) = q^c + c p q^(c-1)`` when ``M``'s ``c`` vertices are all paired: at most one survives),
branching on the vertex of largest degree. Satellite sets are
``uint64`` bit masks: at most :data:`MAX_STEREO_SATS` detecting satellites, and at most
:data:`MAX_STEREO_NODES` recursion nodes per (point, sample); past either limit the sample's
``PS`` is NaN (never met on the reference scenarios; the point's expected stereo fraction then
reads NaN rather than a wrong number).

Per point the per-sample probabilities are summed over the samples into ``avail`` ``(n_point,
3)`` float64 (columns :data:`AV_1`, :data:`AV_2`, :data:`AV_STEREO`); the expected fraction is
the sum divided by ``n_time`` (linearity of expectation). At ``p = 1`` every probability is
exactly 0 or 1, so the expected fractions equal ``fraction_1``, ``fraction_2``,
``fraction_stereo`` bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from ._candidates import BF_X, BF_Y, BF_Z
from ._geometry import P_COS_STEREO_MIN
from ._jit import jit_inline, jit_no_refcount
from ._tiles import BLOCK

AV_1 = 0
AV_2 = 1
AV_STEREO = 2
N_AV = 3

MAX_STEREO_SATS = 64
"""Largest number of detecting satellites :func:`stereo_survival` takes (one ``uint64`` mask)."""
MAX_STEREO_NODES = 1 << 20
"""Recursion nodes :func:`stereo_survival` may visit for one (point, sample) before giving NaN."""
STACK_SIZE = MAX_STEREO_SATS * (MAX_STEREO_SATS + 1) // 2 + 1
"""Entries of :func:`stereo_survival`'s scratch stacks (the clique enumeration's worst case)."""


@jit_inline
def count_probabilities(n, p):
    """``(P[>= 1 survive], P[>= 2 survive])`` of ``n >= 0`` detecting satellites, each up with probability ``p``.

    Binomial: ``1 - q^n`` and ``1 - q^n - n p q^(n-1)``, ``q = 1 - p`` (``q^0 = 1``; the powers by
    repeated multiplication, so ``p = 1`` gives exactly 0 or 1).
    """
    if n <= 0:
        return 0.0, 0.0
    q = 1.0 - p
    qn1 = 1.0
    for _ in range(n - 1):
        qn1 *= q
    qn = qn1 * q
    p1 = 1.0 - qn
    p2 = p1 - n * p * qn1
    return p1, (p2 if p2 > 0.0 else 0.0)


@jit_inline
def _popcount(x):
    """Set bits of a ``uint64`` (SWAR bit count; Warren, *Hacker's Delight*, 2nd ed., 5-1)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@jit_inline
def stereo_survival(adj, k, p, stack_m, stack_w):
    """Probability that at least one edge of the pair graph survives (module docstring's recursion).

    Parameters
    ----------
    adj : (>= k,) uint64
        ``adj[i]`` bit ``j`` set when satellites ``i`` and ``j`` (of the ``k`` detecting) form a
        valid stereo pair (symmetric, no self loops).
    k : int
        Detecting satellites, ``k <= MAX_STEREO_SATS``.
    p : float
        Availability of each satellite, ``0 < p <= 1``.
    stack_m, stack_w : (>= STACK_SIZE,) uint64 / float64
        Scratch (the depth-first stack).

    Returns
    -------
    float
        ``1 - N(all)``; NaN past :data:`MAX_STEREO_NODES` nodes.

    Notes
    -----
    When at least half of the possible pairs are stereo pairs (the usual case: a pair fails
    only when its lines of sight are nearly parallel), ``N`` is summed instead over the cliques
    ``C`` of the complement graph (the sets with no stereo pair), ``N = sum_C p^|C| q^(k-|C|)``,
    cliques enumerated once each (each extended only by higher-numbered vertices): few when the
    complement is sparse. Otherwise the vertex-elimination recursion of the module docstring.
    """
    if k > MAX_STEREO_SATS:
        return math.nan
    n_edge = 0
    for i in range(k):
        n_edge += _popcount(adj[i])
    if n_edge >= k * (k - 1) // 2:  # 2 x edges >= k (k - 1) / 2
        return _survival_by_cliques(adj, k, p, stack_m, stack_w)
    q = 1.0 - p
    one = np.uint64(1)
    full = np.uint64(0)
    for i in range(k):
        full |= one << np.uint64(i)
    none = 0.0
    top = 0
    stack_m[0] = full
    stack_w[0] = 1.0
    top = 1
    nodes = 0
    while top > 0:
        top -= 1
        m = stack_m[top]
        w = stack_w[top]
        nodes += 1
        if nodes > MAX_STEREO_NODES:
            return math.nan
        best_v = -1
        best_d = 0
        min_d = k
        c = 0
        for i in range(k):
            if (m >> np.uint64(i)) & one:
                c += 1
                d = _popcount(adj[i] & m)
                if d < min_d:
                    min_d = d
                if d > best_d:
                    best_d = d
                    best_v = i
        if best_v < 0:  # no edge left: every surviving subset of m is independent
            none += w
            continue
        if min_d == c - 1:  # m is a clique: no edge survives iff at most one of its c vertices does
            qc1 = 1.0
            for _ in range(c - 1):
                qc1 *= q
            none += w * (qc1 * q + c * p * qc1)
            continue
        bit = one << np.uint64(best_v)
        m1 = m & ~bit
        w1 = w * q
        m2 = m1 & ~adj[best_v]
        w2 = w * p
        for _ in range(best_d):
            w2 *= q
        if w1 > 0.0:
            stack_m[top] = m1
            stack_w[top] = w1
            top += 1
        if w2 > 0.0:
            stack_m[top] = m2
            stack_w[top] = w2
            top += 1
    ps = 1.0 - none
    return ps if ps > 0.0 else 0.0


@jit_inline
def _survival_by_cliques(adj, k, p, stack_m, stack_w):
    """``1 - sum_C p^|C| q^(k-|C|)`` over the cliques ``C`` of the complement of ``adj`` (:func:`stereo_survival`)."""
    q = 1.0 - p
    one = np.uint64(1)
    full = np.uint64(0)
    for i in range(k):
        full |= one << np.uint64(i)
    pw = stack_w[STACK_SIZE - k - 1:]  # pw[c] = p^c q^(k-c): the stack's tail (never reached by the stack)
    pw[0] = 1.0
    for _ in range(k):
        pw[0] *= q
    for c in range(1, k + 1):
        pw[c] = 1.0
        for _ in range(c):
            pw[c] *= p
        for _ in range(k - c):
            pw[c] *= q
    none = 0.0
    stack_m[0] = full
    stack_w[0] = 0.0  # clique size, exact in float64
    top = 1
    nodes = 0
    while top > 0:
        top -= 1
        cand = stack_m[top]
        c = int(stack_w[top])
        nodes += 1
        if nodes > MAX_STEREO_NODES or top + k >= STACK_SIZE - k - 1:
            return math.nan
        none += pw[c]
        while cand != np.uint64(0):
            low = cand & (~cand + one)
            j = _popcount(low - one)
            cand &= ~low
            # extend by j: later vertices of cand not paired with j (the complement's neighbours)
            stack_m[top] = cand & ~adj[j] & ~(low - one) & ~low
            stack_w[top] = c + 1
            top += 1
    ps = 1.0 - none
    return ps if ps > 0.0 else 0.0


@jit_inline
def _is_pair(ax, ay, az, bx, by, bz, ra2, rb2, cm):
    """The stereo test of :func:`constellation._pairs.best_pair_sigma2` / ``pair_block`` on lines of sight ``a``, ``b``.

    ``ra2``, ``rb2`` the squared ranges (km^2), ``cm`` the pair's ``cos theta_min``: valid when
    ``cm >= 0``, ``t^2 <= cm^2 P`` and ``P - t^2 > 0`` (``t = a . b``, ``P = ra2 rb2``).
    """
    if not cm >= 0.0:
        return False
    dt = ax * bx + ay * by + az * bz
    pr = ra2 * rb2
    return dt * dt <= cm * cm * pr and pr - dt * dt > 0.0


is_stereo_pair = _is_pair
"""Public name of the grid kernel's stereo-pair test on two lines of sight (:func:`_is_pair`), for
:mod:`constellation._satvalue`."""


@jit_no_refcount
def row_availability(avail, avail_p, gidx, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, ns, band_f, k, pu,
                     j_a, j_b, adj, los, stack_m, stack_w, tsl):
    """Availability accumulators of slots ``j_a .. j_b`` of one grid strip at one step (:func:`grid_chunk`).

    ``cnt[j]`` detections (float64), ``best[j] < inf`` where a stereo pair exists (read where
    ``cnt >= 2``; must run before :func:`row_update` resets ``cnt``). For a stereo point the
    detecting slots are those whose tiles ``slot_lo .. slot_hi`` hold the point's tile and whose
    ``r2s`` is not NaN; their lines of sight ``band_f[k, slot_rec] - pu`` and ``slot_cm`` give the
    pair graph (``adj``, scratch ``(MAX_STEREO_SATS,)`` uint64; ``los`` ``(MAX_STEREO_SATS, 5)``).
    ``tsl`` (>= ns,) int64 scratch: the slots whose tile range holds the current tile. A function
    of its own, compiled without reference counting (it allocates nothing), called once per strip
    and step: inlined into the kernel's loop body it ran ~8x slower (measured on the reference
    case), as :func:`constellation._pairs.row_pairs` notes for itself.
    """
    cur_q = -1
    nt = 0
    for j in range(j_a, j_b + 1):
        c = cnt[j]
        if not c > 0.0:
            continue
        n = int(c)
        p = gidx[j]
        p1, p2 = count_probabilities(n, avail_p)
        avail[p, AV_1] += p1
        avail[p, AV_2] += p2
        if n < 2 or not best[j] < math.inf:
            continue
        if n > MAX_STEREO_SATS:
            avail[p, AV_STEREO] += math.nan
            continue
        q = j // BLOCK
        if q != cur_q:
            cur_q = q
            nt = 0
            for s in range(ns):
                if slot_lo[s] <= q <= slot_hi[s]:
                    tsl[nt] = s
                    nt += 1
        tx = pu[0, j]
        ty = pu[1, j]
        tz = pu[2, j]
        m = 0
        for t in range(nt):
            s = tsl[t]
            r2 = r2s[s, j]
            if r2 == r2:
                sr = slot_rec[s]
                los[m, 0] = band_f[k, sr, BF_X] - tx
                los[m, 1] = band_f[k, sr, BF_Y] - ty
                los[m, 2] = band_f[k, sr, BF_Z] - tz
                los[m, 3] = r2
                los[m, 4] = slot_cm[s]
                m += 1
        avail[p, AV_STEREO] += _graph_survival(los, m, avail_p, adj, stack_m, stack_w)


@jit_inline
def _graph_survival(los, m, p, adj, stack_m, stack_w):
    """Build the pair graph of the ``m`` lines of sight in ``los`` (x, y, z, R^2, cos theta_min) and return :func:`stereo_survival`."""
    one = np.uint64(1)
    for a in range(m):
        adj[a] = np.uint64(0)
    for a in range(m - 1):
        for b in range(a + 1, m):
            if _is_pair(los[a, 0], los[a, 1], los[a, 2], los[b, 0], los[b, 1], los[b, 2], los[a, 3], los[b, 3],
                        min(los[a, 4], los[b, 4])):
                adj[a] |= one << np.uint64(b)
                adj[b] |= one << np.uint64(a)
    return stereo_survival(adj, m, p, stack_m, stack_w)


@jit_inline
def point_availability(avail, avail_p, p, n, stereo, rec, j, pos, k, tx, ty, tz, table, sensor_of_sat, adj, los,
                       stack_m, stack_w):
    """Availability accumulators of point ``p`` at one step of :func:`point_chunk`.

    ``n`` detecting satellites, recorded as ``rec[j, c, 1]`` (satellite index) for ``c < n``;
    ``stereo``: a valid pair exists. Lines of sight ``pos[k, sat] - t`` (km), ``cos theta_min``
    from the sensor table, as :func:`constellation._pairs.best_pair_sigma2`.
    """
    p1, p2 = count_probabilities(n, avail_p)
    avail[p, AV_1] += p1
    avail[p, AV_2] += p2
    if n < 2 or not stereo:
        return
    if n > MAX_STEREO_SATS:
        avail[p, AV_STEREO] += math.nan
        return
    for c in range(n):
        s = int(rec[j, c, 1])
        dx = pos[k, s, 0] - tx
        dy = pos[k, s, 1] - ty
        dz = pos[k, s, 2] - tz
        los[c, 0] = dx
        los[c, 1] = dy
        los[c, 2] = dz
        los[c, 3] = dx * dx + dy * dy + dz * dz
        los[c, 4] = table[sensor_of_sat[s], P_COS_STEREO_MIN]
    avail[p, AV_STEREO] += _graph_survival(los, n, avail_p, adj, stack_m, stack_w)
