"""The README's Python API examples run as written (the README is the front door)."""
from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(section: str) -> list[str]:
    """The ```python blocks of the README section headed ``section``."""
    text = (ROOT / "README.md").read_text()
    body = text.split(f"### {section}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_readme_has_the_python_api_examples():
    blocks = python_blocks("Python API")
    assert len(blocks) == 2
    assert "from constellation import" in blocks[0] and "from hgvcov import" in blocks[1]


@pytest.mark.slow
def test_readme_python_api_examples_run(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    engine, app = python_blocks("Python API")
    names: dict = {}
    exec(compile(engine, "README.md: Python API", "exec"), names)
    stats = names["result"].dataset
    assert 0.0 < float(stats["fraction_1"].mean()) <= 1.0
    printed = capsys.readouterr().out.splitlines()
    assert "fraction_1_mean" in printed[0]
    warning_s = names["tracks"].per_threat["toward Tokyo"]["warning_time_s"]
    assert warning_s is None or (math.isfinite(warning_s) and warning_s > 0.0)
    exec(compile(app, "README.md: Python API (application)", "exec"), names)
    assert (tmp_path / "out" / "coverage.nc").is_file()
    assert names["summary"]["region_statistics"]["n_points"] > 0
