"""Tile layout of the grid kernel's strips: how a strip's points are stored.

:func:`constellation._grid.grid_chunk` works on strips of ``TILE_ROWS`` consecutive latitude
rows (a thread's unit of work). A strip's points are stored tile by tile ("tile-major"): tile
``q`` holds columns ``q * TILE_COLS .. q * TILE_COLS + TILE_COLS - 1`` of the strip's
``TILE_ROWS`` rows, ``BLOCK`` points at indices ``q * BLOCK .. q * BLOCK + BLOCK - 1``,
row-major inside the tile; point (row ``r``, column ``col``) of the strip is at
``(col // TILE_COLS) * BLOCK + r * TILE_COLS + col % TILE_COLS``. Points past the grid's last
row or column are padding (NaN coordinates). A tile is the unit of the exact tests
(:mod:`constellation._detect`) and of the pair-search bound (:mod:`constellation._pairs`);
``BLOCK`` is the fixed trip count of their vectorised loops.
"""

from __future__ import annotations

TILE_ROWS = 6
"""grid rows per strip (a thread's unit of work), and rows of a tile."""
TILE_COLS = 4
"""grid columns per tile."""
BLOCK = TILE_ROWS * TILE_COLS
"""points per tile, stored contiguously (tile-major); the vectorised loops' trip count."""
