"""Stale numba caches: a kernel whose callee in another module changed must not load its
old machine code (numba checks only the kernel's own source file).

hgvcov.cachedir.invalidate_stale_kernel_caches keeps a digest of every kernel module's
source beside the cache and clears the cache when it changes.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from numba.core.caching import _CacheLocator

from hgvcov.cachedir import (KERNEL_STAMP, invalidate_stale_kernel_caches, kernel_cache_dirs,
                             kernel_sources_digest)


def _tree(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "_callee.py").write_text("SCALE = 2.0\n")
    (pkg / "_kernel.py").write_text("from pkg._callee import SCALE\n")
    (pkg / "api.py").write_text("x = 1\n")
    for name in ("_kernel.f-3.py311.nbi", "_kernel.f-3.py311.1.nbc"):
        (pkg / "__pycache__" / name).write_bytes(b"cached")
    return pkg


def _cached(pkg: Path) -> list[str]:
    return sorted(p.name for p in (pkg / "__pycache__").glob("*.nb*"))


def test_a_changed_callee_clears_the_cache_and_an_unchanged_tree_keeps_it(tmp_path):
    pkg = _tree(tmp_path)
    env: dict[str, str] = {}
    # first sight: no stamp, so the cache cannot be trusted
    assert len(invalidate_stale_kernel_caches(env, [pkg])) == 2
    assert _cached(pkg) == []
    assert (pkg / "__pycache__" / KERNEL_STAMP).read_text().strip() == kernel_sources_digest([pkg])
    # kernels rebuilt; nothing changed -> kept
    (pkg / "__pycache__" / "_kernel.f-3.py311.nbi").write_bytes(b"cached")
    assert invalidate_stale_kernel_caches(env, [pkg]) == []
    assert _cached(pkg) == ["_kernel.f-3.py311.nbi"]
    # an API module is not a kernel dependency (import-linter forbids kernels to import it)
    (pkg / "api.py").write_text("x = 2\n")
    assert invalidate_stale_kernel_caches(env, [pkg]) == []
    # the callee of the kernel changed, the kernel's own file did not -> cleared
    (pkg / "_callee.py").write_text("SCALE = 3.0\n")
    assert [p.name for p in invalidate_stale_kernel_caches(env, [pkg])] == ["_kernel.f-3.py311.nbi"]


def test_numba_cache_dir_layout_matches_numba(tmp_path):
    pkg = _tree(tmp_path)
    (got,) = kernel_cache_dirs([pkg], str(tmp_path / "cache"))
    want = Path(tmp_path / "cache") / _CacheLocator.get_suitable_cache_subpath(str(pkg / "_kernel.py"))
    assert got == want


def test_stale_callee_is_recompiled_through_the_hgvcov_import(tmp_path):
    """End to end with numba: without the stamp the second process would print 2.0."""
    pkg = tmp_path / "stalepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_callee.py").write_text("import numba\n@numba.njit(cache=True)\ndef scale():\n    return 2.0\n")
    (pkg / "_kernel.py").write_text(textwrap.dedent("""\
        import numba
        from stalepkg._callee import scale
        @numba.njit(cache=True)
        def f():
            return scale()
        """))
    code = textwrap.dedent(f"""\
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        from pathlib import Path
        from hgvcov.cachedir import invalidate_stale_kernel_caches
        invalidate_stale_kernel_caches(package_dirs=[Path({str(pkg)!r})])
        from stalepkg._kernel import f
        print(f())
        """)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    run = lambda: subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: E731
                                 env=env, check=True).stdout.strip()
    assert run() == "2.0"
    (pkg / "_callee.py").write_text("import numba\n@numba.njit(cache=True)\ndef scale():\n    return 3.0\n")
    assert run() == "3.0"
