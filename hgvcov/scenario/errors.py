"""Scenario input errors: one :class:`ScenarioError` naming key path, value and what is allowed.

Validators in :mod:`hgvcov.scenario.schema` raise :class:`Problem` (a key below the one
pydantic is validating, the value and the allowed text); pydantic wraps it, and
:func:`scenario_error_from_validation` turns the first error of a ``ValidationError`` into
a single message such as ``constellation[0].total = 13: expected a multiple of planes (3)
...``.  The key path is rebuilt from pydantic's ``loc`` by walking the raw TOML dictionary
and the model types side by side, so discriminated-union tags and dict keys are named the
way the user wrote them.
"""
from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Annotated, Any, Union

from pydantic import BaseModel, ValidationError

__all__ = ["ScenarioError", "Problem", "fmt_value", "key_error", "describe_validation_error",
           "scenario_error_from_validation"]


class ScenarioError(ValueError):
    """A scenario file (or dictionary) that cannot be run.

    Attributes
    ----------
    key : str or None
        Key path of the offending entry, e.g. ``"constellation[0].total"``.
    value : object
        The value found there (``None`` when the key is missing).
    allowed : str
        What would have been accepted.
    source : str or None
        The scenario file, when there is one.
    """

    def __init__(self, message: str, key: str | None = None, value: Any = None,
                 allowed: str = "", source: str | None = None):
        self.key = key
        self.value = value
        self.allowed = allowed
        self.source = source
        self.detail = message
        super().__init__(f"{source}: {message}" if source else message)


class Problem(ValueError):
    """Raised inside validators: ``sub_key`` is appended to the location pydantic reports."""

    def __init__(self, sub_key: str | None, value: Any, allowed: str, tail: str | None = None):
        self.sub_key = sub_key
        self.value = value
        self.allowed = allowed
        self.tail = tail
        super().__init__(allowed)



def fmt_value(v: Any) -> str:
    """A value as the user wrote it in TOML (strings quoted, date-times in ISO-8601 ``Z``)."""
    if isinstance(v, datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return repr(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {fmt_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    return repr(v)

def key_error(key: str, value: Any, allowed: str, source: str | None = None) -> ScenarioError:
    """``ScenarioError("KEY = VALUE: ALLOWED")`` for a value found unusable after validation."""
    return ScenarioError(f"{key} = {fmt_value(value)}: {allowed}", key=key, value=value,
                         allowed=allowed, source=source)


# ---------------------------------------------------------------------------------------
# pydantic ValidationError -> one ScenarioError
# ---------------------------------------------------------------------------------------

def _key_from_loc(loc, data, root: Any) -> tuple[str, Any, Any]:
    """Pydantic loc -> (key path, value in data or _MISSING, type at that key)."""
    key = ""
    node: Any = data
    tp: Any = root
    parts = list(loc)
    i = 0
    while i < len(parts):
        part = parts[i]
        model = _model_of(tp, node)
        if isinstance(part, str) and model is not None and part not in model.model_fields \
                and isinstance(node, dict) and node.get("kind") == part:
            i += 1  # discriminator tag in the loc, not a key
            continue
        if isinstance(part, int):
            key += f"[{part}]"
            tp = _item_type(tp, node)
            node = node[part] if isinstance(node, list) and part < len(node) else _MISSING
        else:
            key += ("." if key else "") + part
            if model is not None and part in model.model_fields:
                tp = model.model_fields[part].annotation
            elif _is_dict(tp):
                tp = typing.get_args(_strip(tp))[1]
            else:
                tp = None
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        i += 1
    return key, node, tp


class _Missing:
    def __repr__(self):
        return "(missing)"


_MISSING = _Missing()


def _strip(tp):
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_dict(tp) -> bool:
    return typing.get_origin(_strip(tp)) is dict


def _model_of(tp, node):
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    if typing.get_origin(tp) in (Union, types.UnionType):
        members = [_strip(a) for a in typing.get_args(tp)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        for m in models:
            kf = m.model_fields.get("kind")
            if kf is not None and isinstance(node, dict) and \
                    node.get("kind") in typing.get_args(kf.annotation):
                return m
        if len(models) == 1:
            return models[0]
    return None


def _union_tags(tp) -> tuple:
    """The ``kind`` values of a discriminated union's members, in declaration order."""
    tp = _strip(tp)
    if typing.get_origin(tp) not in (Union, types.UnionType):
        return ()
    tags: list = []
    for member in typing.get_args(tp):
        member = _strip(member)
        kind = getattr(member, "model_fields", {}).get("kind")
        if kind is not None:
            tags.extend(typing.get_args(kind.annotation))
    return tuple(tags)


def _item_type(tp, node):
    tp = _strip(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        for a in typing.get_args(tp):
            if typing.get_origin(_strip(a)) is list:
                tp = _strip(a)
                break
    if typing.get_origin(tp) is list:
        return typing.get_args(tp)[0]
    return None


_TYPE_WORDS = {
    "int_type": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "string_type": "a string (in quotes)",
    "bool_type": "true or false", "list_type": "a list [ ... ]",
    "tuple_type": "a list [ ... ]", "dict_type": "a table",
    "model_type": "a table", "model_attributes_type": "a table",
    "finite_number": "a finite number", "datetime_type": "an ISO-8601 UTC date-time",
}


def _allowed_text(err: dict, model_at_parent=None, tags: tuple = ()) -> str:
    typ = err["type"]
    ctx = err.get("ctx") or {}
    if typ == "value_error" and isinstance(ctx.get("error"), Problem):
        return ctx["error"].allowed
    if typ in _TYPE_WORDS:
        return _TYPE_WORDS[typ]
    if typ == "greater_than":
        return f"a value > {ctx.get('gt')}"
    if typ == "greater_than_equal":
        return f"a value >= {ctx.get('ge')}"
    if typ == "less_than":
        return f"a value < {ctx.get('lt')}"
    if typ == "less_than_equal":
        return f"a value <= {ctx.get('le')}"
    if typ == "literal_error":
        return "one of " + str(ctx.get("expected", "")).replace("'", '"')
    if typ == "too_short":
        n = ctx.get("min_length")
        return "at least one entry" if n == 1 else f"a list with at least {n} items"
    if typ == "too_long":
        return f"a list with at most {ctx.get('max_length')} items"
    if typ == "union_tag_invalid":
        return "kind = one of " + ", ".join(f'"{k}"' for k in tags)
    if typ == "union_tag_not_found":
        return "a kind key: one of " + ", ".join(f'"{k}"' for k in tags)
    if typ == "missing":
        return "a value (this key is required)"
    if typ == "extra_forbidden":
        if model_at_parent is not None:
            keys = [k for k in model_at_parent.model_fields]
            return "not a known key here; allowed keys: " + ", ".join(keys)
        return "not a known key here"
    msg = err.get("msg", "invalid value")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg.replace("Input should be", "allowed:")


def describe_validation_error(exc: ValidationError, data: Any, root: Any):
    """First error of ``exc`` -> (key path, value, allowed, message tail after the key).

    Parameters
    ----------
    exc : pydantic.ValidationError
        From validating ``data`` against the model ``root``.
    data : object
        The raw (TOML) input, used to show the offending value and to name union members.
    root : type
        The pydantic model ``data`` was validated against.
    """
    errors = exc.errors()
    err = errors[0]
    loc = list(err["loc"])
    ctx = err.get("ctx") or {}
    prob = ctx.get("error") if err["type"] == "value_error" else None
    key, node, tp = _key_from_loc(loc, data, root)
    if loc:
        parent_key, parent_node, parent_tp = _key_from_loc(loc[:-1], data, root)
    else:
        parent_key, parent_node, parent_tp = "", data, root
    tail = None
    if isinstance(prob, Problem):
        if prob.sub_key:
            if prob.sub_key.startswith("[") or not key:
                key = key + prob.sub_key
            else:
                key = key + "." + prob.sub_key
        value = prob.value
        tail = prob.tail
    else:
        value = err.get("input", node)
    if err["type"] == "union_tag_invalid":
        key, value = key + ".kind", (node.get("kind") if isinstance(node, dict) else node)
    if err["type"] == "union_tag_not_found":
        key, value = key + ".kind", None
    parent_model = _model_of(parent_tp, parent_node) if err["type"] == "extra_forbidden" else None
    allowed = _allowed_text(err, parent_model, _union_tags(tp))
    if err["type"] == "missing" and loc:
        allowed = _missing_text(loc[-1], _model_of(parent_tp, parent_node)) or allowed
    if err["type"] == "list_type" and (key in ("constellation", "threat")
                                       or key.endswith("].satellites")):
        name = "constellation.satellites" if key.endswith("satellites") else key
        allowed = f"an array of tables written [[{name}]] (not [{name}])"
    if tail is None:
        if err["type"] == "missing" or value is None:
            tail = f" is missing: expected {allowed}"
        elif err["type"] == "extra_forbidden":
            where = f" in {parent_key}" if parent_key else ""
            tail = f" = {fmt_value(value)}: unknown key{where}; " + \
                allowed.replace("not a known key here; ", "")
        else:
            tail = f" = {fmt_value(value)}: expected {allowed}"
    if len(errors) > 1:
        tail += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return key, value, allowed, tail


def _missing_text(name: Any, model) -> str | None:
    """What a missing key should hold: a table, or the field's description."""
    if model is None or name not in getattr(model, "model_fields", {}):
        return None
    f = model.model_fields[name]
    tp = _strip(f.annotation)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"a [{name}] table"
    if typing.get_origin(tp) is list and name == "constellation":
        return "one or more [[constellation]] tables"
    if f.description:
        return f"a value: {f.description}"
    return None


def scenario_error_from_validation(exc: ValidationError, data: dict, root: Any,
                                   source: str | None) -> ScenarioError:
    """The :class:`ScenarioError` for the first problem of ``exc`` (with a count of the rest)."""
    key, value, allowed, tail = describe_validation_error(exc, data, root)
    return ScenarioError(key + tail, key=key, value=value, allowed=allowed, source=source)

