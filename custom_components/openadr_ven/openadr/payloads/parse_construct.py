"""Cheaper construction of the frozen models for the parsers' hot paths.

A frozen dataclass ``__init__`` stores each field through ``object.__setattr__`` (its own
``__setattr__`` refuses writes), about 0.15 us a field. The parsers build thousands of models per
large document, so they use constructors made here instead: ``object.__new__`` plus the slot
descriptors' ``__set__``, unrolled per class. The result is the very same object (same class,
same field values, so the same equality and hash); all fields are passed positionally, in field
order, and no model of ``models.py`` has a ``__post_init__`` to skip (checked here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from ..models import (
    ActivePeriod,
    DistributeEvent,
    Event,
    EventDescriptor,
    EventSignal,
    Interval,
    ReportInterval,
    Response,
    Target,
)


def fast_constructor[T](cls: type[T]) -> Callable[..., T]:
    """``make(*values)`` equal to ``cls(*values)`` for a slotted dataclass, all fields given."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__; use its constructor")
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for i, name in enumerate(names):
        scope[f"_set{i}"] = getattr(cls, name).__set__  # the slot's member descriptor
    params = ", ".join(f"a{i}" for i in range(len(names)))
    body = "".join(f"    _set{i}(o, a{i})\n" for i in range(len(names)))
    source = f"def make({params}):\n    o = _new(_cls)\n{body}    return o\n"
    exec(source, scope)  # noqa: S102 - fixed text built from the dataclass's own field names
    make: Callable[..., T] = scope["make"]
    make.__qualname__ = make.__name__ = f"new_{cls.__name__}"
    return make


new_interval = fast_constructor(Interval)
new_report_interval = fast_constructor(ReportInterval)
new_descriptor = fast_constructor(EventDescriptor)
new_active_period = fast_constructor(ActivePeriod)
new_signal = fast_constructor(EventSignal)
new_event = fast_constructor(Event)
new_target = fast_constructor(Target)
new_response = fast_constructor(Response)
new_distribute_event = fast_constructor(DistributeEvent)
