"""The parsers' fast constructors build the very same frozen models, and refuse unsafe classes."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from datetime import timedelta

import pytest

from custom_components.openadr_ven.openadr.models import Interval, Response
from custom_components.openadr_ven.openadr.payloads.parse_construct import (
    fast_constructor,
    new_interval,
    new_response,
)


def test_fast_constructor_builds_an_equal_frozen_object() -> None:
    made = new_interval(2, timedelta(minutes=15), 1.5)
    assert type(made) is Interval
    assert made == Interval(2, timedelta(minutes=15), 1.5)
    assert hash(made) == hash(Interval(2, timedelta(minutes=15), 1.5))
    with pytest.raises(FrozenInstanceError):
        made.value = 3.0  # type: ignore[misc]
    assert new_response(452, "bad", "r1") == Response(452, "bad", "r1")
    assert new_interval.__name__ == "new_Interval"


def test_class_with_post_init_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    # Skipping __post_init__ would skip its validation: the helper must refuse the class.
    with pytest.raises(TypeError, match="Checked has a __post_init__; use its constructor"):
        fast_constructor(Checked)
