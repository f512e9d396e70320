"""A pydantic ValidationError to the lines an operator reads: `key = value: what is allowed`.

Numbers say their whole range (read from the field's bounds), a value of the wrong type says
what type was expected and, when the intent is plain, how to write it (`timeout = "20"` →
`write timeout = 20`). Secret values are never shown, nor the password in an address.

Must not import anything from the project.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Collection
from datetime import date, time
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

Loc = tuple[str | int, ...]
_EXPECTED = {
    "float_type": "a number", "int_type": "a whole number", "bool_type": "true or false",
    "string_type": "text in quotes", "tuple_type": 'an array, e.g. ["a", "b"]',
    "model_type": "a table of keys", "literal_error": None,
}
_BOUNDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal",
           "finite_number")
_YES, _NO = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def explain(exc: ValidationError, model: type[BaseModel], where: str,
            secrets: Collection[Loc]) -> str:
    """One line per problem, after `where` (the file): key = value: what is allowed."""
    lines = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        # `telegram = "123:abc"` (a section written as a value) may hold the secret itself,
        # and so may a misspelt key beside one (`[telegram] tokne = "123:abc"`).
        secret = bool(loc) and any(
            s[:len(loc)] == loc or err["type"] == "extra_forbidden" and s[0] == loc[0]
            for s in secrets)
        key = ".".join(str(p) for p in loc)
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" = {_shown(value, secret)}"
        # A whole-file rule (loc empty) names its keys in its message.
        head = f"{key}{shown}: " if key else ""
        lines.append(f"{where}{head}{_message(err, model, loc, secret)}")
    if len(lines) == 1:
        return f"invalid configuration: {lines[0]}"
    return f"invalid configuration ({len(lines)} problems):\n  " + "\n  ".join(lines)


def hide_password(text: str) -> str:
    """`scheme://user:password@host` with the password replaced."""
    return re.sub(r"://([^:/@\s]+):[^@/\s]+@", r"://\1:<redacted>@", text)


def _shown(value: Any, secret: bool) -> str:
    if secret:
        return "<redacted>"
    if isinstance(value, bool):  # as TOML spells it
        return "true" if value else "false"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, tuple):
        value = list(value)
    return hide_password(repr(value))


def _message(err: Any, model: type[BaseModel], loc: Loc, secret: bool) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config.example.toml)"
    info = field_at(model, loc)
    allowed = allowed_numbers(info) if info is not None else None
    if kind in _BOUNDS and allowed:
        return f"expected {allowed}"
    if kind == "finite_number":
        return "expected a finite number (not inf or nan)"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return str(err["msg"]).removeprefix("Value error, ")
    if kind in ("float_type", "int_type") and allowed:
        expected = allowed
    value = err.get("input")
    hint = None if secret else _spelling(kind, value)
    name = loc[-1] if loc and isinstance(loc[-1], str) else None
    write = f" (write {name} = {hint})" if hint and name else f" (write {hint})" if hint else ""
    return f"expected {expected}, not {_kind_of(value)}{write}"


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a whole number" if isinstance(value, int) else "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, date | time):
        return "a date or time"
    return "a table" if isinstance(value, dict) else type(value).__name__


def _spelling(kind: str, value: Any) -> str | None:
    """The value as it was meant, in TOML, when the intent is plain; else None."""
    if kind == "float_type" and isinstance(value, str):
        return _number(value)
    if kind == "int_type":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = _number(value) if isinstance(value, str) else None
        return text if text and float(text).is_integer() else None
    if kind == "bool_type" and isinstance(value, str | int):
        word = str(value).strip().lower()
        return "true" if word in _YES else "false" if word in _NO else None
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(str(value))
    if kind == "tuple_type" and isinstance(value, str | int | float):
        return f"[{json.dumps(value)}]"
    return None


def _number(text: str) -> str | None:
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return str(int(number)) if number.is_integer() and "." not in text else text.strip()


def field_at(model: type[BaseModel], loc: Loc) -> FieldInfo | None:
    """The field a location points at (`("sources", 0, "interval")`, an array member such as
    `("telegram", "operators", 0)`), or None when there is no such field."""
    current: Any = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            member = _member(info)
            current, info = member, FieldInfo.from_annotation(member) if member else None
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = current.model_fields
        info = fields.get(part) or next(
            (f for f in fields.values() if f.alias == part), None)
        if info is None:
            return None
        current = _model_in(info.annotation)
    return info


def _member(info: FieldInfo | None) -> Any:
    args = get_args(info.annotation) if info is not None else ()
    return _model_in(args[0]) if args else None


def _model_in(annotation: Any) -> Any:
    """`X` for a model X, `X | None` or `tuple[X, ...]`; the annotation itself otherwise."""
    if get_origin(annotation) in (Union, types.UnionType):
        models = [a for a in get_args(annotation) if a is not type(None)]
        return models[0] if len(models) == 1 else annotation
    return annotation


def allowed_numbers(info: FieldInfo) -> str | None:
    """`a number above 0 and at most 604_800` from the field's bounds, or None."""
    ann = _model_in(info.annotation)
    if ann not in (int, float):
        return None
    bounds = {type(m).__name__: _num(v) for m in info.metadata
              for v in [getattr(m, type(m).__name__.lower(), None)] if v is not None}
    what = "a whole number" if ann is int else "a number"
    if "Ge" in bounds and "Le" in bounds:
        return f"{what} from {bounds['Ge']} to {bounds['Le']}"
    lower = (f"at least {bounds['Ge']}" if "Ge" in bounds
             else f"above {bounds['Gt']}" if "Gt" in bounds else "")
    upper = (f"at most {bounds['Le']}" if "Le" in bounds
             else f"below {bounds['Lt']}" if "Lt" in bounds else "")
    return " ".join(filter(None, [what, lower, "and" if lower and upper else "", upper]))


def _num(x: Any) -> str:
    if float(x).is_integer():
        return f"{int(x):_}" if abs(x) >= 10_000 else str(int(x))
    return str(x)
