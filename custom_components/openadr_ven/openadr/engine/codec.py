"""A small tagged JSON codec for the engine's persisted state.

Every protocol model is a frozen dataclass of plain values, so the state serializes without
hand-written converters: dataclasses become ``{"__t": "ClassName", ...fields}``, datetimes
``{"__dt": iso}``, timedeltas ``{"__td": seconds}``, enum members ``{"__e": "EnumName", "v": value}``
and tuples lists (every sequence field of the models is a tuple).  Only classes registered here
can be decoded, so a tampered store cannot instantiate arbitrary types.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from .. import enums, models, state

_CLASSES: dict[str, type[Any]] = {}
_ENUMS: dict[str, type[Enum]] = {}


def register(cls: type[Any]) -> type[Any]:
    """Make a dataclass or an enum decodable (usable as a class decorator)."""
    if isinstance(cls, type) and issubclass(cls, Enum):
        _ENUMS[cls.__name__] = cls
    elif dataclasses.is_dataclass(cls):
        _CLASSES[cls.__name__] = cls
    else:  # pragma: no cover - programming error
        raise TypeError(f"cannot register {cls!r}")
    return cls


for _module in (models, state, enums):
    for _obj in vars(_module).values():
        if (
            isinstance(_obj, type)
            and _obj.__module__ == _module.__name__
            and (issubclass(_obj, Enum) or dataclasses.is_dataclass(_obj))
        ):
            register(_obj)


class CodecError(ValueError):
    """Stored data could not be decoded."""


def encode(value: Any) -> Any:
    """Turn ``value`` into JSON-compatible data."""
    # Enums first: a StrEnum is a str and an IntEnum an int, and they must come back as members.
    if isinstance(value, Enum):
        return {"__e": type(value).__name__, "v": value.value}
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return {"__dt": value.isoformat()}
    if isinstance(value, timedelta):
        return {"__td": value.total_seconds()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"__t": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = encode(getattr(value, f.name))
        return out
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(data: Any) -> Any:
    """Inverse of :func:`encode`; lists come back as tuples. Raises :class:`CodecError`."""
    if data is None or isinstance(data, bool | str | int | float):
        return data
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if not isinstance(data, dict):
        raise CodecError(f"unexpected {type(data).__name__}")
    try:
        if "__dt" in data:
            return datetime.fromisoformat(data["__dt"])
        if "__td" in data:
            return timedelta(seconds=data["__td"])
        if "__e" in data:
            return _ENUMS[data["__e"]](data["v"])
        if "__t" in data:
            cls = _CLASSES[data["__t"]]
            kwargs = {k: decode(v) for k, v in data.items() if k != "__t"}
            return cls(**kwargs)
    except (KeyError, TypeError, ValueError) as err:
        raise CodecError(f"cannot decode {data!r:.200}: {err}") from err
    raise CodecError(f"untagged object {data!r:.200}")
