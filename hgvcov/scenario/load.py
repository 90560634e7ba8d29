"""Reading scenarios: TOML text, files, dictionaries and the built-in default.

Every loader validates against :class:`~hgvcov.scenario.schema.Scenario`, records where
the scenario came from (relative paths inside it are taken from the scenario file's
folder) and checks that the files it references exist, so that a missing TLE or polygon
file is reported before any work.  The default scenario is ``hgvcov/data/default_scenario.toml``
(what ``hgvcov init`` writes).
"""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from .errors import ScenarioError, scenario_error_from_validation
from .schema import AIM_REGION, Scenario, TleShell

__all__ = ["scenario_from_dict", "scenario_from_toml", "load_scenario", "default_scenario_toml",
           "default_scenario"]


def scenario_from_dict(data: dict, base_dir: str | Path | None = None,
                       source: str | None = None) -> Scenario:
    """Validate a scenario dictionary (as TOML parses it) and resolve its paths.

    Parameters
    ----------
    data : dict
        The parsed TOML.
    base_dir : path, optional
        Folder relative paths are resolved against (default: the working directory).
    source : str, optional
        File name used in error messages.

    Raises
    ------
    ScenarioError
        One message naming the key path, the value and what is allowed.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"a scenario must be a table of keys, got {type(data).__name__}",
                            source=source)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(exc, data, Scenario, source) from None
    sc.set_origin(Path(base_dir).resolve() if base_dir is not None else Path.cwd(), source, data)
    # referenced files must exist (relative to the scenario file)
    for i, shell in enumerate(sc.constellation):
        if isinstance(shell, TleShell):
            _must_exist(sc, f"constellation[{i}].path", shell.path)
    if isinstance(sc.region.points, str):
        _must_exist(sc, "region.points", sc.region.points)
    if sc.region.polygon is not None:
        _must_exist(sc, "region.polygon", sc.region.polygon)
    for i, ens in enumerate(sc.threat_ensemble):
        if ens.launch_area is not None:
            _must_exist(sc, f"threat_ensemble[{i}].launch_area", ens.launch_area)
        if isinstance(ens.aim, str) and ens.aim.strip().lower() != AIM_REGION:
            _must_exist(sc, f"threat_ensemble[{i}].aim", ens.aim)
    return sc


def _must_exist(sc: Scenario, key: str, path: str) -> None:
    """Refuse a referenced file that is not there (named with the folder it was looked in)."""
    p = sc.resolve(path)
    if not p.is_file():
        raise sc.input_error(key, path, f"expected an existing file (relative paths are taken from the "
                        f"scenario file's folder; looked for {p})")


def scenario_from_toml(text: str, base_dir: str | Path | None = None,
                       source: str | None = None) -> Scenario:
    """Parse and validate TOML text; syntax errors name the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"TOML syntax error: {exc}", source=source) from None
    return scenario_from_dict(data, base_dir=base_dir, source=source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (paths inside are relative to it)."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"scenario file not found: {p}", key=None, value=str(p),
                            allowed="an existing TOML file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file {p}: {exc}") from None
    return scenario_from_toml(text, base_dir=p.resolve().parent, source=str(p))


def default_scenario_toml() -> str:
    """The built-in default scenario (commented TOML; ``hgvcov init`` writes it)."""
    return resources.files("hgvcov").joinpath("data/default_scenario.toml") \
        .read_text(encoding="utf-8")


def default_scenario() -> Scenario:
    """The built-in Japan / Indo-Pacific scenario, validated."""
    return scenario_from_toml(default_scenario_toml(), base_dir=Path.cwd(),
                              source="<built-in default scenario>")

