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

Cost (grid kernel, :func:`row_availability`). Most pairs of detecting satellites are stereo
pairs, so the grid kernel writes ``PS`` through the complement ``H`` of the pair graph (the
detecting pairs that are not stereo pairs): the surviving set has no stereo pair iff it is a
clique of ``H``, so ``PS = P2 - corr``, ``corr = sum_C p^|C| q^(n-|C|)`` over the cliques of
two or more vertices of ``H``, 0 where every detecting pair is a stereo pair. Per group of
:data:`GROUP` tiles (6 x 4 points each, :mod:`constellation._tiles`) the pairs whose
convergence angle at the group's centre clears the stereo threshold by more than the angle can
change across the group (its gradient is ``|a - b| / (r_a r_b)``, :func:`_tile_graph`) are
stereo pairs at all its points; the few others are tested exactly at every point, vectorised
(:func:`_complement_block`). Where no point's ``H`` has a triangle (the usual case) ``corr``
is its number of edges times ``p^2 q^(n-2)``, vectorised; elsewhere the clique counts of each
distinct ``H`` are found once (:func:`complement_clique_counts`). On the reference case (every
point in stereo, ~9 detecting satellites) ~6 of a group's ~44 pairs are tested per point. The
count of edges of each point's ``H`` also gives the per-satellite value where both are on
(:func:`constellation._satvalue.row_satellite_value_known`). Per sample the result equals the direct sum ``1 - N`` to rounding (~1e-16;
the point-list kernel, :func:`point_availability`, builds each point's graph and solves it
with :func:`stereo_survival`). Measured with ``python benchmarks/coverage.py --quick
--only-availability``.
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
    :func:`survival_in` with the vertex set ``0 .. k - 1``.
    """
    if k > MAX_STEREO_SATS:
        return math.nan
    one = np.uint64(1)
    full = np.uint64(0)
    for i in range(k):
        full |= one << np.uint64(i)
    return survival_in(adj, full, p, stack_m, stack_w)


@jit_inline
def survival_in(adj, full, p, stack_m, stack_w):
    """:func:`stereo_survival` of the pair graph induced on the vertices of the bit mask ``full``.

    ``adj[i]`` (read for the bits ``i`` of ``full`` only) must have no bits outside ``full``.
    Vertices are visited in increasing bit order, so the graph on bits ``i_0 < i_1 < ...``
    gives the same floating-point operations, in the same order, as the same graph renumbered
    ``0, 1, ...`` (results equal bit for bit).

    Notes
    -----
    When at least half of the possible pairs are stereo pairs (the usual case: a pair fails
    only when its lines of sight are nearly parallel), ``N`` is summed instead over the cliques
    ``C`` of the complement graph (the sets with no stereo pair), ``N = sum_C p^|C| q^(k-|C|)``,
    cliques enumerated once each (each extended only by higher-numbered vertices): few when the
    complement is sparse. Otherwise the vertex-elimination recursion of the module docstring.
    """
    k, n_edge = _degree_sum(adj, full)
    if n_edge >= k * (k - 1) // 2:  # 2 x edges >= k (k - 1) / 2
        pw = stack_w[STACK_SIZE - k - 1:]  # p^c q^(k-c): the stack's tail (never reached by the stack)
        fill_clique_weights(pw, k, p)
        return _survival_by_cliques(adj, full, k, pw, stack_m, stack_w)
    return _survival_by_elimination(adj, full, k, p, stack_m, stack_w)


T_P1 = 0
"""Column of :func:`survival_table`: ``P[>= 1 survive]`` of ``k`` detecting satellites (:func:`count_probabilities`)."""
T_P2 = 1
"""Column of :func:`survival_table`: ``P[>= 2 survive]``."""
T_PW = 2
"""First column of :func:`survival_table`'s clique weights ``p^c q^(k-c)``, ``c = 0 .. k``."""
T_COLS = T_PW + MAX_STEREO_SATS + 1
"""Columns of :func:`survival_table`."""


@jit_inline
def fill_clique_weights(pw, k, p):
    """``pw[c] = p^c q^(k-c)``, ``c = 0 .. k`` (``q = 1 - p``), by repeated multiplication (``p = 1``: exact 0 / 1)."""
    q = 1.0 - p
    pw[0] = 1.0
    for _ in range(k):
        pw[0] *= q
    pc = 1.0
    for c in range(1, k + 1):
        pc *= p  # p^c by repeated multiplication, the first c factors of each product as before
        pw[c] = pc
        for _ in range(k - c):
            pw[c] *= q


@jit_inline
def survival_table(p, n_tab):
    """Binomial tails and clique weights of ``k = 0 .. MAX_STEREO_SATS`` detecting satellites (once per kernel call).

    Row ``k``: ``[T_P1]``, ``[T_P2]`` the binomial tails (:func:`count_probabilities`),
    ``[T_PW + c]`` = ``p^c q^(k-c)`` (:func:`fill_clique_weights`). ``n_tab = 0`` gives an
    empty table (availability off).
    """
    tab = np.zeros((n_tab * (MAX_STEREO_SATS + 1), T_COLS), dtype=np.float64)
    for k in range(tab.shape[0]):
        p1, p2 = count_probabilities(k, p)
        tab[k, T_P1] = p1
        tab[k, T_P2] = p2
        fill_clique_weights(tab[k, T_PW:], k, p)
    return tab


@jit_inline
def _degree_sum(adj, full):
    """``(k, 2 x edges)`` of the graph ``adj`` induced on the bit mask ``full``."""
    one = np.uint64(1)
    k = np.int64(_popcount(full))
    n_edge = 0
    rest = full
    while rest != np.uint64(0):
        low = rest & (~rest + one)
        rest &= ~low
        n_edge += np.int64(_popcount(adj[_popcount(low - one)]))
    return k, n_edge


@jit_inline
def _survival_by_elimination(adj, full, k, p, stack_m, stack_w):
    """``1 - N(full)`` by the vertex-elimination recursion of the module docstring (:func:`survival_in`)."""
    one = np.uint64(1)
    q = 1.0 - p
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
        rest = m
        while rest != np.uint64(0):
            low = rest & (~rest + one)
            rest &= ~low
            i = np.int64(_popcount(low - one))
            c += 1
            d = np.int64(_popcount(adj[i] & m))
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
def _survival_by_cliques(adj, full, k, pw, stack_m, stack_w):
    """``1 - sum_C pw[|C|]``, ``C`` the complement's cliques on ``full`` (:func:`survival_in`; ``pw[c] = p^c q^(k-c)``)."""
    one = np.uint64(1)
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
            j = np.int64(_popcount(low - one))
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
def row_availability(acc, avail_p, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, band_f, k, pu, j_a, j_b, adj,
                     los, stack_m, stack_w, tsl, tab, bstart, bslots, n_h):
    """Availability accumulators of slots ``j_a .. j_b`` of one grid strip at one step (:func:`grid_chunk`).

    ``acc`` (:data:`ACC_ROWS`, n_pad) float64: rows :data:`AV_1`, :data:`AV_2`,
    :data:`AV_STEREO` the strip's sums in its tile-major layout (loaded from the point sums when
    the strip starts and stored back when it ends, so each point's additions come in the same
    order), the last row scratch.

    ``cnt[j]`` detections (float64), ``best[j] < inf`` where a stereo pair exists (read where
    ``cnt >= 2``; must run before :func:`row_update` resets ``cnt``). A point's detecting slots
    are those whose tiles ``slot_lo .. slot_hi`` hold the point's tile and whose ``r2s`` is not
    NaN; their lines of sight ``band_f[k, slot_rec] - pu`` and ``slot_cm`` give its pair graph.

    The stereo probability of a point with ``n`` detecting satellites is written through the
    complement ``H`` of its pair graph (the detecting pairs that are *not* stereo pairs): the
    surviving set has no stereo pair iff it is a clique of ``H``, so
    ``PS = 1 - sum_C p^|C| q^(n-|C|)`` over the cliques ``C`` of ``H`` (the empty set and the
    single vertices included), that is ``PS = P2(n) - corr``, ``P2`` the binomial ``P[>= 2
    survive]`` and ``corr = sum p^|C| q^(n-|C|)`` over the cliques of two or more vertices. Most
    pairs are stereo pairs, so ``corr`` is 0 at most points: ``P2`` is added with the counts'
    probabilities, and only the points where ``H`` has an edge get a correction.

    By groups of :data:`GROUP` tiles side by side (:func:`_tile_corrections`; groups aligned
    on multiples of ``GROUP``, so a group's centre is the same at every step): the pairs of the
    group's slots are decided stereo for all its points at once from its centre
    (:func:`_tile_graph`, a bound on the convergence angle's gradient); the others (candidates
    of ``H``) are tested exactly at every point (:func:`_complement_block`, the test of
    :func:`_is_pair`); ``corr`` follows per
    point from the edges of ``H`` (no triangle) or the clique counts of each distinct ``H``, and
    the weights of ``n``. Past :data:`MAX_STEREO_SATS` slots in a group or
    :data:`MAX_UNDECIDED` candidate pairs, the group's points are solved one by one
    (:func:`_tile_by_points`). Two tiles per group halve the bounds computed for ~1.4 times as
    many candidate pairs (a group's radius): ~15 % less time on the reference case than one tile
    (measured with the earlier law-of-sines bound; with the gradient bound three tiles measure
    the same as two, four slower). Per sample the
    result equals :func:`survival_in`'s to rounding (~1e-16).

    Scratch: ``adj`` (>= :data:`ADJ_SCRATCH`,) uint64; ``los`` (:data:`LOS_ROWS` + n_blk,
    :data:`LOS_COLS`) float64, zeroed when the strip starts and kept across its steps (it caches
    each group's centre and radius, which do not change with time); ``stack_m``/``stack_w`` (>=
    :data:`STACK_SIZE`,), ``tsl`` (>= ns,) int64: the slots whose tile range meets the
    current group, the group's slot list (carried from group to group: those of the previous
    group that reach this one, then those starting in it, read from ``bstart``/``bslots``, the slots bucketed by first tile as
    :func:`constellation._pairs.row_pairs` leaves them for this step). ``tab``:
    :func:`survival_table` of ``avail_p`` (read only, shared by the threads). A function of its
    own, compiled without reference counting (it allocates nothing), called once per strip and
    step: inlined into the kernel's loop body it ran ~8x slower (measured on the reference
    case), as :func:`constellation._pairs.row_pairs` notes for itself.

    ``n_h`` (n_pad,) float64 or empty: where given, the number of edges of each stereo point's
    complement graph (its detecting pairs that are not stereo pairs), -1 where not known (a group
    solved point by point); written at the points with a stereo pair only, for
    :func:`constellation._satvalue.row_satellite_value_known`.
    """
    if j_b < j_a:
        return
    use_h = n_h.shape[0] > 0
    n_car = 0
    q_first = j_a // BLOCK
    q_last = j_b // BLOCK
    for g0 in range(q_first - q_first % GROUP, q_last + 1, GROUP):  # groups of GROUP tiles, aligned
        qa = max(g0, q_first)  # the group's tiles at this step
        qb = min(g0 + GROUP - 1, q_last)
        ja = qa * BLOCK
        jb = qb * BLOCK + BLOCK - 1  # row_detect's rows are whole tiles
        m = 0
        for t in range(n_car):  # slots of the previous group that reach this one ...
            s = tsl[t]
            if slot_hi[s] >= qa:
                tsl[m] = s
                m += 1
        for t in range(bstart[qa], bstart[qb + 1]):  # ... and those starting in it
            tsl[m] = bslots[t]
            m += 1
        n_car = m
        n_stereo = np.int64(0)
        jau = np.uint64(ja)
        for jj in range(np.uint64(jb - ja + 1)):  # unsigned indices: vectorised
            j = jau + jj
            n_stereo += np.int64(1) if (cnt[j] >= 2.0) & (best[j] < math.inf) else np.int64(0)
        if n_stereo > 0:
            nu = _tile_corrections(avail_p, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, tsl, n_car,
                                   band_f, k, pu, g0, qa, qb, adj, los, stack_m, stack_w, tab, acc, n_h, use_h)
            if nu < 0:  # past the limits: the stereo probabilities added point by point, and corr = P2 (below: + 0)
                _tile_by_points(acc, avail_p, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, tsl, n_car, band_f,
                                k, pu, ja, jb, adj, los, stack_m, stack_w)
                for j in range(ja, jb + 1):
                    acc[_ACC_CORR, j] = tab[min(int(cnt[j]), MAX_STEREO_SATS), T_P2]
    # the sums over the whole rows at once (long vectorised loops); a group without a stereo point
    # leaves stale corrections, which only stereo points read
    c_max = 0.0
    jau = np.uint64(j_a)
    n_j = np.uint64(j_b - j_a + 1)
    for jj in range(n_j):
        c_max = max(c_max, cnt[jau + jj])
    if c_max <= MAX_STEREO_SATS:  # branch-free: 0 detections add tab[0] = 0 (exact), as does a non-stereo point
        for jj in range(n_j):
            j = jau + jj
            c = cnt[j]
            n = int(c)
            p2 = tab[n, T_P2]
            acc[AV_1, j] += tab[n, T_P1]
            acc[AV_2, j] += p2
            stereo = (c >= 2.0) & (best[j] < math.inf)
            acc[AV_STEREO, j] += (p2 - acc[_ACC_CORR, j]) if stereo else 0.0  # PS = P2 - corr
        return
    for j in range(j_a, j_b + 1):
        c = cnt[j]
        if not c > 0.0:
            continue
        n = int(c)
        if n <= MAX_STEREO_SATS:
            p1 = tab[n, T_P1]
            p2 = tab[n, T_P2]
        else:
            p1, p2 = count_probabilities(n, avail_p)
        acc[AV_1, j] += p1
        acc[AV_2, j] += p2
        if n >= 2 and best[j] < math.inf:
            acc[AV_STEREO, j] += p2 - acc[_ACC_CORR, j] if n <= MAX_STEREO_SATS else math.nan


@jit_inline
def strip_sums_load(acc, avail, gidx):
    """Copy the sums of the points ``gidx`` (global indices, -1 = padding, skipped) into ``acc``'s first rows (tile-major)."""
    for j in range(gidx.shape[0]):
        if gidx[j] >= 0:
            for c in range(N_AV):
                acc[c, j] = avail[gidx[j], c]


@jit_inline
def strip_sums_store(acc, avail, gidx):
    """Copy ``acc``'s sums back to the points ``gidx`` (:func:`strip_sums_load`'s inverse)."""
    for j in range(gidx.shape[0]):
        if gidx[j] >= 0:
            for c in range(N_AV):
                avail[gidx[j], c] = acc[c, j]


_ACC_CORR = 3
"""Row of :func:`row_availability`'s ``acc`` holding the current tile's corrections (scratch)."""
ACC_ROWS = 4
"""Rows of :func:`row_availability`'s ``acc``: the three sums, then the corrections."""


GROUP = 2
"""Tiles (:data:`BLOCK` points each, side by side in a strip) whose pairs :func:`_tile_graph` decides at once."""
MAX_UNDECIDED = 64
"""Candidate pairs (:func:`_tile_graph`: not proved stereo over the whole tile) a tile may have before it is done point by point."""
MEMO = 8
"""Complement graphs whose clique counts a tile remembers (by their edges)."""
# layout of row_availability's uint64 scratch ``adj``: a point's complement graph H, a point's
# pair graph G (dense complements only), the remembered complement graphs, the candidate pairs
# (a + 64 b), the points' complement edges (bit i: candidate pair i is a non-stereo pair of two
# detecting satellites there)
_A_H = 0
_A_G = MAX_STEREO_SATS
_A_KEY = 2 * MAX_STEREO_SATS
_A_UND = _A_KEY + MEMO
_A_V = _A_UND + MAX_UNDECIDED
ADJ_SCRATCH = _A_V + GROUP * BLOCK
"""Length of :func:`row_availability`'s ``adj`` scratch (uint64)."""
# layout of its float64 scratch ``los`` (rows): lines of sight of a point solved alone
# (:func:`_tile_by_points`), the remembered clique counts, then one row per tile of the strip
# (the first tile of each group of GROUP holds the group's centre and radius in km; radius 0 =
# not yet computed)
_L_MEMO = MAX_STEREO_SATS
LOS_ROWS = _L_MEMO + MEMO
"""Rows of :func:`row_availability`'s ``los`` scratch before the per-tile rows (one per tile)."""
LOS_COLS = 7
"""Columns of :func:`row_availability`'s ``los`` scratch."""
# layout of the per-slot rows _tile_graph keeps in ``stack_w`` (free until a correction is
# computed): unit line of sight from the group's centre, its length and squared length, the
# slot's factor of the bound Delta, cos and sin of its theta_min, MAX_STEREO_SATS entries each
_S_UX = 0
_S_UY = _S_UX + MAX_STEREO_SATS
_S_UZ = _S_UY + MAX_STEREO_SATS
_S_NN = _S_UZ + MAX_STEREO_SATS
_S_N2 = _S_NN + MAX_STEREO_SATS
_S_W = _S_N2 + MAX_STEREO_SATS
_S_CM = _S_W + MAX_STEREO_SATS
_S_ST = _S_CM + MAX_STEREO_SATS
COS_MARGIN = 1e-6
"""Margin (in cosine) by which :func:`_tile_graph` must clear a stereo threshold to decide a pair
for the whole tile: far above the rounding of either test (~1e-15), so a decided pair's exact
per-point test (:func:`_is_pair`) cannot come out otherwise; see :func:`_tile_graph`."""


@jit_inline
def _tile_corrections(avail_p, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, tsl, n_car, band_f, k, pu,
                      g0, qa, qb, adj, los, stack_m, stack_w, tab, acc, n_h, use_h):
    """``corr`` (:func:`row_availability`) of the stereo points of tiles ``qa .. qb`` (of the group at ``g0``) in ``acc[_ACC_CORR, j]``.

    0 where the point's complement graph has no edge. Returns the number of candidate pairs, or
    -1 past the limits (more than :data:`MAX_STEREO_SATS` slots or :data:`MAX_UNDECIDED`
    candidate pairs); the caller then goes point by point. With ``use_h``, ``n_h[j]`` is set to
    the number of edges of each point's complement graph (-1 past the limits).

    1. The group's slots: the ``n_car`` slots ``tsl`` whose tile range meets it (at most
       :data:`MAX_STEREO_SATS`); a slot that detects none of its points (its tile range holds a
       tile without a detection) adds pairs that no point's test can set.
    2. :func:`_tile_graph`: the pairs not proved stereo at every point of the group.
    3. Each tested exactly at every point of the tiles where both slots detect
       (:func:`_complement_block`): bit ``i`` of ``adj[_A_V + j - qa BLOCK]`` set where both
       satellites of pair ``i`` detect and are not a stereo pair, the point's complement graph
       ``H`` as a set of edges, and ``acc[_ACC_CORR, j]`` counts them (``|E(H)|``).
    4. Where the union of the points' ``H`` has no triangle (the usual case; always with fewer
       than three edges), ``corr = |E(H)| p^2 q^(n-2)`` per point. Otherwise, per distinct ``H``
       its clique counts (:func:`complement_clique_counts`; the previous point's checked first, the last
       :data:`MEMO` remembered); per stereo point with an edge ``corr = c2 p^2 q^(n-2) + c3
       p^3 q^(n-3) + c4 p^4 q^(n-4)``, or :func:`complement_correction` where ``H`` has a
       clique of five.
    """
    ja = qa * BLOCK
    jb = qb * BLOCK + BLOCK - 1
    npt = jb - ja + 1
    for j in range(ja, jb + 1):
        acc[_ACC_CORR, j] = 0.0
    nt = n_car if n_car <= MAX_STEREO_SATS else -1
    nu = -1
    if nt >= 0:
        nu = _tile_graph(band_f, k, pu, g0, slot_rec, slot_cm, tsl, nt, adj, los, stack_w)
    if nu <= 0:  # -1: past the limit; 0: every pair a stereo pair at every point (PS = P2 everywhere)
        if use_h:
            for j in range(ja, jb + 1):
                n_h[j] = float(nu)
        return nu
    for jj in range(np.uint64(npt)):
        adj[_A_V + jj] = np.uint64(0)
    for i in range(nu):
        ab = adj[_A_UND + i]
        sa = tsl[ab & np.uint64(63)]
        sb = tsl[ab >> np.uint64(6)]
        cm = min(slot_cm[sa], slot_cm[sb])
        q0 = max(qa, slot_lo[sa], slot_lo[sb])  # the tiles where both slots' r2s are defined
        q1 = min(qb, slot_hi[sa], slot_hi[sb])
        if q0 <= q1:
            _complement_block(r2s, sa, sb, slot_rec[sa], slot_rec[sb], band_f, k, pu, q0 * BLOCK, (q1 - q0 + 1) * BLOCK,
                              cm, adj, (q0 - qa) * BLOCK, np.uint64(i), acc[_ACC_CORR])
    hu = np.uint64(0)
    jau = np.uint64(ja)
    for jj in range(np.uint64(npt)):
        hu |= adj[_A_V + jj]
    if use_h:  # each point's number of complement edges (counted by _complement_block)
        for jj in range(np.uint64(npt)):
            n_h[jau + jj] = acc[_ACC_CORR, jau + jj]
    if _popcount(hu) < 3 or _triangle_free(adj, hu):  # no point's H has a triangle: its cliques are its edges
        for jj in range(np.uint64(npt)):
            j = jau + jj
            acc[_ACC_CORR, j] *= tab[min(int(cnt[j]), MAX_STEREO_SATS), T_PW + 2]
        return nu
    n_memo = 0
    last_h = np.uint64(0)
    c2 = 0.0
    c3 = 0.0
    c4 = 0.0
    small = True
    for j in range(ja, jb + 1):
        h = adj[_A_V + j - ja]
        if h == np.uint64(0):
            continue
        c = cnt[j]
        if not c >= 2.0 or not best[j] < math.inf or c > MAX_STEREO_SATS:
            continue
        n = int(c)
        if h != last_h:  # the clique counts of a new complement graph (remembered)
            found = False
            for e in range(n_memo):
                if adj[_A_KEY + e] == h:
                    c2 = los[_L_MEMO + e, 1]
                    c3 = los[_L_MEMO + e, 2]
                    c4 = los[_L_MEMO + e, 3]
                    small = los[_L_MEMO + e, 4] == 0.0
                    found = True
                    break
            if not found:
                c2, c3, c4, small = complement_clique_counts(adj, h, stack_m, stack_w)
                e = n_memo if n_memo < MEMO else (j - ja) % MEMO
                adj[_A_KEY + e] = h
                los[_L_MEMO + e, 1] = c2
                los[_L_MEMO + e, 2] = c3
                los[_L_MEMO + e, 3] = c4
                los[_L_MEMO + e, 4] = 0.0 if small else 1.0
                if n_memo < MEMO:
                    n_memo += 1
            last_h = h
        if small:  # corr = sum over the cliques of 2, 3, 4 vertices of p^c q^(n-c)
            acc[_ACC_CORR, j] = c2 * tab[n, T_PW + 2] + c3 * tab[n, T_PW + 3] + c4 * tab[n, T_PW + 4]
        else:
            qj = j // BLOCK
            inr = np.uint64(0)  # the slots whose r2s holds this point's tile
            for t in range(nt):
                if slot_lo[tsl[t]] <= qj <= slot_hi[tsl[t]]:
                    inr |= np.uint64(1) << np.uint64(t)
            acc[_ACC_CORR, j] = complement_correction(adj, h, n, avail_p, tab, r2s, tsl, nt, inr, j, stack_m, stack_w)
    return nu


@jit_inline
def _complement_graph(adj, h):
    """Adjacency of the complement graph with edges ``h`` (candidate pairs ``adj[_A_UND + i]``) in ``adj[_A_H + t]``.

    Returns ``(vertices as a bit mask, number of edges)``; rows of other vertices are not written.
    """
    one = np.uint64(1)
    verts = np.uint64(0)
    n_e = 0
    rest = h
    while rest != np.uint64(0):  # the complement's vertices
        low = rest & (~rest + one)
        rest &= ~low
        ab = adj[_A_UND + _popcount(low - one)]
        verts |= (one << (ab & np.uint64(63))) | (one << (ab >> np.uint64(6)))
        n_e += 1
    rest = verts
    while rest != np.uint64(0):
        low = rest & (~rest + one)
        rest &= ~low
        adj[_A_H + _popcount(low - one)] = np.uint64(0)
    rest = h
    while rest != np.uint64(0):
        low = rest & (~rest + one)
        rest &= ~low
        ab = adj[_A_UND + _popcount(low - one)]
        ta = ab & np.uint64(63)
        tb = ab >> np.uint64(6)
        adj[_A_H + ta] |= one << tb
        adj[_A_H + tb] |= one << ta
    return verts, n_e


@jit_inline
def _triangle_free(adj, h):
    """Whether the complement graph with edges ``h`` (:func:`_complement_graph`) has no triangle."""
    one = np.uint64(1)
    _complement_graph(adj, h)
    rest = h
    while rest != np.uint64(0):  # an edge whose ends share a neighbour closes a triangle
        low = rest & (~rest + one)
        rest &= ~low
        ab = adj[_A_UND + _popcount(low - one)]
        if adj[_A_H + (ab & np.uint64(63))] & adj[_A_H + (ab >> np.uint64(6))] != np.uint64(0):
            return False
    return True


@jit_inline
def complement_clique_counts(adj, h, stack_m, stack_w):
    """Cliques of 2, 3 and 4 vertices of the complement graph with edges ``h``, and whether it has none larger.

    Returns ``(c2, c3, c4, small)`` (counts as float64); ``small`` False when a clique of five
    vertices exists (the counts are then incomplete: :func:`complement_correction` is used).
    """
    verts, n_e = _complement_graph(adj, h)
    c2, c3, c4, rest, small = _clique_sums(adj, verts, stack_w[:1], True, stack_m, stack_w)
    return float(n_e), c3, c4, small


@jit_inline
def _clique_sums(adj, verts, pw, stop_at_5, stack_m, stack_w):
    """Cliques of two or more vertices of the graph ``adj[_A_H + v]`` on the bit mask ``verts``.

    Returns ``(c2, c3, c4, rest, complete)``: the numbers of cliques of 2, 3 and 4 vertices
    (float64) and ``rest = sum pw[|C|]`` over the larger ones. With ``stop_at_5`` the first
    clique of five vertices stops the enumeration (``complete`` False; ``pw`` not read). Each
    clique is enumerated once, from its lowest vertex, extended only by higher-numbered
    vertices joined to all of it (a depth-first stack of candidate masks and sizes).
    """
    one = np.uint64(1)
    c2 = 0.0
    c3 = 0.0
    c4 = 0.0
    rest_w = 0.0
    top = 0
    rest = verts
    while rest != np.uint64(0):
        low = rest & (~rest + one)
        rest &= ~low
        v = _popcount(low - one)
        stack_m[top] = adj[_A_H + v] & ~(low - one) & ~low
        stack_w[top] = 1.0  # clique size, exact in float64
        top += 1
        while top > 0:
            top -= 1
            cand = stack_m[top]
            cs = int(stack_w[top])
            while cand != np.uint64(0):
                lw = cand & (~cand + one)
                cand &= ~lw
                nxt = cand & adj[_A_H + _popcount(lw - one)]  # higher vertices of cand joined to it
                if cs == 1:  # a clique of cs + 1 vertices
                    c2 += 1.0
                elif cs == 2:
                    c3 += 1.0
                elif cs == 3:
                    c4 += 1.0
                else:
                    rest_w += pw[cs + 1]
                if nxt != np.uint64(0):
                    if cs == 3 and stop_at_5:
                        return c2, c3, c4, rest_w, False
                    stack_m[top] = nxt
                    stack_w[top] = cs + 1.0
                    top += 1
    return c2, c3, c4, rest_w, True


@jit_inline
def complement_correction(adj, h, n, p, tab, r2s, tsl, nt, inr, j, stack_m, stack_w):
    """``corr = P2(n) - PS`` of a point with ``n`` detecting satellites and complement edges ``h``.

    ``h`` bit ``i``: the candidate pair ``adj[_A_UND + i]`` (tile slots ``a + 64 b``) is a
    non-stereo pair of two satellites detecting the point; the other pairs of its detecting
    satellites are stereo pairs (``p`` the availability). When the complement ``H`` has at most
    half of the ``n (n - 1) / 2`` pairs (the usual case), ``corr = sum_C p^|C| q^(n-|C|)`` over the cliques of ``H``
    of two or more vertices, each enumerated once (extended only by higher-numbered vertices;
    weights from ``tab``). Otherwise the pair graph ``G`` (the detecting set ``D`` from
    ``r2s[tsl[t], j]`` of the slots ``t`` in the bit mask ``inr``, those whose ``r2s`` holds the
    point's tile, minus ``H``) goes to :func:`_survival_by_elimination` and ``corr = P2 -
    PS``. ``adj[_A_H ...]`` (``H``) and ``adj[_A_G ...]`` (``G``) are scratch.
    """
    one = np.uint64(1)
    verts, n_e = _complement_graph(adj, h)
    if 4 * n_e <= n * (n - 1):
        pw = tab[n, T_PW:]
        c2, c3, c4, rest, complete = _clique_sums(adj, verts, pw, False, stack_m, stack_w)
        return c2 * pw[2] + c3 * pw[3] + c4 * pw[4] + rest
    d = np.uint64(0)
    for t in range(nt):
        if inr & (one << np.uint64(t)) != np.uint64(0):  # r2s of slot t holds point j's tile
            r2 = r2s[tsl[t], j]
            if r2 == r2:
                d |= one << np.uint64(t)
    rest = d
    while rest != np.uint64(0):
        low = rest & (~rest + one)
        rest &= ~low
        t = _popcount(low - one)
        hv = adj[_A_H + t] if (verts & low) != np.uint64(0) else np.uint64(0)
        adj[_A_G + t] = d & ~low & ~hv
    ps = _survival_by_elimination(adj[_A_G:_A_G + MAX_STEREO_SATS], d, n, p, stack_m, stack_w)
    return tab[n, T_P2] - ps


@jit_inline
def _complement_block(r2s, sa, sb, ra, rb, band_f, k, pu, jl, npt, cm, adj, v0, bit, n_e):
    """Set bit ``bit`` of ``adj[_A_V + v0 + jj]`` where slots ``sa``, ``sb`` both detect point ``jl + jj`` (``jj < npt``) and are not a stereo pair there.

    ``n_e[jl + jj]`` (float64) is incremented there too: each point's count of complement edges.

    :func:`_is_pair` (inlined) on the lines of sight ``band_f[k, r] - pu`` and the ``R^2`` of
    ``r2s`` (NaN where a slot does not detect), ``cm`` the pair's ``cos theta_min``, over the
    ``BLOCK`` points of the tile, the result stored without a branch (unsigned indices, a fixed
    trip count: vectorised, as :func:`constellation._satvalue._block_pair_and`).
    """
    sax = band_f[k, ra, BF_X]
    say = band_f[k, ra, BF_Y]
    saz = band_f[k, ra, BF_Z]
    sbx = band_f[k, rb, BF_X]
    sby = band_f[k, rb, BF_Y]
    sbz = band_f[k, rb, BF_Z]
    j0u = np.uint64(jl)
    a0 = np.uint64(_A_V + v0)
    for jj in range(np.uint64(npt)):
        j = j0u + jj
        tx = pu[0, j]
        ty = pu[1, j]
        tz = pu[2, j]
        ra2 = r2s[sa, j]
        rb2 = r2s[sb, j]
        ok = _is_pair(sax - tx, say - ty, saz - tz, sbx - tx, sby - ty, sbz - tz, ra2, rb2, cm)
        edge = (ra2 == ra2) & (rb2 == rb2) & ~ok
        adj[a0 + jj] |= np.uint64(edge) << bit
        n_e[j] += 1.0 if edge else 0.0


@jit_inline
def _tile_graph(band_f, k, pu, q, slot_rec, slot_cm, tsl, nt, adj, los, sl):
    """Pairs of the group's ``nt`` slots not proved stereo pairs at all its points at once, from its centre.

    The convergence angle ``gamma(x)`` of satellites ``a``, ``b`` at a point ``x`` (the angle
    between ``a - x`` and ``b - x``, ranges ``r_a``, ``r_b``) changes with ``x`` at the rate
    ``|grad gamma| = L / (r_a r_b)``, ``L = |a - b|`` (the gradient of the angle between two
    vectors, ``e_ab / r_a + e_ba / r_b`` with ``e_ab``, ``e_ba`` the unit vectors normal to each
    line of sight in their plane, ``e_ab . e_ba = -cos gamma``, and the law of cosines). With
    ``c`` the mean of the group's points and ``rho`` their largest distance from it, every range
    on the segment from ``c`` to a point is at least ``|s - c| - rho`` (triangle inequality), so
    ``|gamma(x) - gamma(c)| <= Delta = rho L / ((|a - c| - rho) (|b - c| - rho))`` (mean value
    theorem along the segment; ``gamma`` is Lipschitz with that constant). The pair is then valid
    at every point (``theta_min <= gamma <= pi - theta_min``, :func:`_is_pair`) when ``|cos
    gamma_c| <= cos(theta_min) - Delta sin(theta_min) - Delta^2 / 2 - COS_MARGIN``, a lower bound
    of ``cos(theta_min + Delta) - COS_MARGIN`` (``cos Delta >= 1 - Delta^2 / 2``, ``sin Delta <=
    Delta``, ``0 <= cos theta_min <= 1``), which is positive only when ``theta_min + Delta < pi /
    2``. Pairs of nearly parallel lines of sight (the ones near the threshold: ``L`` small against
    the ranges) are thus decided over far larger groups than by bounding each line of sight's
    turn alone (``Delta = asin(rho / r_a) + asin(rho / r_b)``, law of sines, ``L <= r_a + r_b``):
    on the reference case ~36 % fewer candidate pairs. The other pairs (invalid or undecided;
    always when ``cos theta_min < 0`` or a satellite lies within ``rho`` of ``c``) are the
    candidates of the points' complement graphs, tested exactly per point
    (:func:`_complement_block`). The margin keeps every decided pair at least ~1e-6 rad from a
    threshold, where the per-point test in floating point (relative error ~1e-15 in ``t^2 <=
    cos^2(theta_min) P`` and ``P - t^2 > 0``) agrees with the exact geometry.

    Writes the candidate pairs ``a + 64 b`` (``a < b``, in order) to ``adj[_A_UND + i]``; per
    slot (``sl`` = the ``stack_w`` scratch, rows ``_S_*``) the unit line of sight from ``c``,
    its length ``|s - c|`` and squared length, ``rho / (|s - c| - rho)^2`` (inf within
    ``rho``; ``Delta^2`` is ``L^2`` times the pair's two factors: no square root per pair, the
    test squared), the slot's ``cos theta_min`` and ``sin theta_min``. ``c`` and ``rho`` of the
    group of tiles ``q .. q + GROUP - 1`` (all its grid points, whichever detect at this step; ``q`` a
    multiple of :data:`GROUP`) are computed at the strip's first step and kept in ``los[LOS_ROWS
    + q]``. Returns the number of candidate pairs, -1 past :data:`MAX_UNDECIDED`.
    """
    one = np.uint64(1)
    jl = q * BLOCK
    tr = LOS_ROWS + q
    if los[tr, 3] == 0.0:  # first step of the strip: the group's centre and radius
        npt = (min(q + GROUP, los.shape[0] - LOS_ROWS) - q) * BLOCK  # its tiles (the strip's last may be alone)
        cx = 0.0
        cy = 0.0
        cz = 0.0
        nv = 0
        for jj in range(npt):
            x = pu[0, jl + jj]
            if x == x:
                cx += x
                cy += pu[1, jl + jj]
                cz += pu[2, jl + jj]
                nv += 1
        cx /= nv
        cy /= nv
        cz /= nv
        rho2 = 0.0
        for jj in range(npt):
            x = pu[0, jl + jj]
            if x == x:
                dx = x - cx
                dy = pu[1, jl + jj] - cy
                dz = pu[2, jl + jj] - cz
                rho2 = max(rho2, dx * dx + dy * dy + dz * dz)
        los[tr, 0] = cx
        los[tr, 1] = cy
        los[tr, 2] = cz
        los[tr, 3] = math.sqrt(rho2) * (1.0 + 1e-9) + 1e-9  # km, > 0; rounding of the sums covered
    cx = los[tr, 0]
    cy = los[tr, 1]
    cz = los[tr, 2]
    rho = los[tr, 3]
    ux_ = sl[_S_UX:_S_UX + MAX_STEREO_SATS]
    uy_ = sl[_S_UY:_S_UY + MAX_STEREO_SATS]
    uz_ = sl[_S_UZ:_S_UZ + MAX_STEREO_SATS]
    nn_ = sl[_S_NN:_S_NN + MAX_STEREO_SATS]
    n2_ = sl[_S_N2:_S_N2 + MAX_STEREO_SATS]
    w_ = sl[_S_W:_S_W + MAX_STEREO_SATS]
    cm_ = sl[_S_CM:_S_CM + MAX_STEREO_SATS]
    st_ = sl[_S_ST:_S_ST + MAX_STEREO_SATS]
    last_cm = math.nan
    last_st = 0.0
    for t in range(nt):  # per slot (scalar: one square root and one division)
        s = tsl[t]
        sr = slot_rec[s]
        ux = band_f[k, sr, BF_X] - cx
        uy = band_f[k, sr, BF_Y] - cy
        uz = band_f[k, sr, BF_Z] - cz
        n2 = ux * ux + uy * uy + uz * uz
        nn = math.sqrt(n2)
        e = nn - rho  # the smallest range over the group's ball
        x = 1.0 / (nn * e)
        iv = e * x  # 1 / |s - c|
        ux_[t] = ux * iv
        uy_[t] = uy * iv
        uz_[t] = uz * iv
        nn_[t] = nn
        n2_[t] = n2
        ie = nn * x  # 1 / (|s - c| - rho)
        w_[t] = rho * (ie * ie) if e > 0.0 else math.inf  # Delta^2 = L^2 w_a w_b
        cm = slot_cm[s]
        if cm != last_cm:  # sin(theta_min) once per sensor type met
            last_cm = cm
            last_st = math.sqrt(max(0.0, 1.0 - cm * cm)) if cm >= 0.0 else 0.0
        cm_[t] = cm
        st_[t] = last_st
    ntp = (nt + 3) & ~3  # padded to whole vectors with slots that pair with every slot
    for t in range(nt, ntp):
        ux_[t] = 0.0
        uy_[t] = 0.0
        uz_[t] = 1.0
        nn_[t] = 1.0
        n2_[t] = 1.0
        w_[t] = 0.0
        cm_[t] = 1.0
        st_[t] = 0.0
    nu = 0
    keep = ~np.uint64(0) >> np.uint64(64 - nt)  # bits of the nt slots
    for a in range(nt):
        cma = cm_[a]
        sta = st_[a]
        xa = ux_[a]
        ya = uy_[a]
        za = uz_[a]
        n2a = n2_[a]
        na2 = 2.0 * nn_[a]
        wa = w_[a]
        u = np.uint64(0)
        for b in range(np.uint64((a + 1) & ~3), np.uint64(ntp)):  # whole vectors from the one holding a + 1
            cmb = cm_[b]
            lt = cma < cmb
            cm = cma if lt else cmb  # the pair's cos(theta_min): the smaller, with its sin
            s_t = sta if lt else st_[b]
            cg = xa * ux_[b] + ya * uy_[b] + za * uz_[b]  # cos(gamma_c)
            ll = n2a + n2_[b] - na2 * nn_[b] * cg  # |a - b|^2 (law of cosines)
            d2 = ll * (wa * w_[b])  # Delta^2 (rad^2); NaN or inf: no bound
            r = cm - COS_MARGIN - abs(cg) - 0.5 * d2  # >= Delta sin(theta_min) (both sides >= 0), squared:
            ok = (r >= 0.0) & (d2 * (s_t * s_t) <= r * r)
            u |= np.uint64(~ok) << b
        u &= keep & ~((one << np.uint64(a)) | ((one << np.uint64(a)) - one))  # the pairs (a, b > a), once each
        while u != np.uint64(0):
            low = u & (~u + one)
            u &= ~low
            if nu >= MAX_UNDECIDED:
                return -1
            adj[_A_UND + nu] = np.uint64(a) | (np.uint64(_popcount(low - one)) << np.uint64(6))
            nu += 1
    return nu


@jit_inline
def _tile_by_points(acc, avail_p, cnt, best, r2s, slot_rec, slot_lo, slot_hi, slot_cm, car, n_car, band_f, k, pu, ja,
                    jb, adj, los, stack_m, stack_w):
    """Stereo availability of a group's points ``ja .. jb``, each point's pair graph built and solved alone.

    ``car[:n_car]``: the slots whose tile range meets the group (each read at the points of its
    tiles ``slot_lo .. slot_hi`` only).
    """
    for j in range(ja, jb + 1):
        c = cnt[j]
        if not c >= 2.0 or not best[j] < math.inf:
            continue
        if int(c) > MAX_STEREO_SATS:
            acc[AV_STEREO, j] += math.nan
            continue
        tx = pu[0, j]
        ty = pu[1, j]
        tz = pu[2, j]
        m = 0
        qj = j // BLOCK
        for t in range(n_car):
            s = car[t]
            if not slot_lo[s] <= qj <= slot_hi[s]:
                continue
            r2 = r2s[s, j]
            if r2 == r2:
                sr = slot_rec[s]
                los[m, 0] = band_f[k, sr, BF_X] - tx
                los[m, 1] = band_f[k, sr, BF_Y] - ty
                los[m, 2] = band_f[k, sr, BF_Z] - tz
                los[m, 3] = r2
                los[m, 4] = slot_cm[s]
                m += 1
        acc[AV_STEREO, j] += _graph_survival(los, m, avail_p, adj, stack_m, stack_w)


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
