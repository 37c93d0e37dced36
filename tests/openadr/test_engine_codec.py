"""The persisted-state codec: every protocol model survives storage with its exact types."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

import pytest

from custom_components.openadr_ven.openadr.engine.codec import CodecError, decode, encode
from custom_components.openadr_ven.openadr.enums import DataQuality, ResponseCode
from custom_components.openadr_ven.openadr.payloads import build
from tests.openadr.samples import ALL_SAMPLES, UPDATE_REPORT


def _enum_fields(value: Any) -> list[tuple[str, Any]]:
    """Every (path, value) under ``value`` whose value is an enum member."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, Enum):
        found.append(("", value))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            found += [(f"{f.name}.{p}", v) for p, v in _enum_fields(getattr(value, f.name))]
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            found += [(f"{i}.{p}", v) for p, v in _enum_fields(item)]
    return found


@pytest.mark.parametrize("name", sorted(ALL_SAMPLES))
def test_every_model_round_trips_through_json(name: str) -> None:
    message = ALL_SAMPLES[name]
    stored = json.loads(json.dumps(encode(message)))
    restored = decode(stored)
    assert restored == message
    # Enum members must come back as members of the same enum, not as bare str/int.
    before = _enum_fields(message)
    after = _enum_fields(restored)
    assert [(p, type(v)) for p, v in after] == [(p, type(v)) for p, v in before]


def test_restored_report_still_builds() -> None:
    """Regression: a buffered oadrUpdateReport restored from storage used to carry data_quality as a
    plain str, and building it raised AttributeError, which killed the VEN's loop."""
    restored = decode(json.loads(json.dumps(encode(UPDATE_REPORT))))
    qualities = [i.data_quality for r in restored.reports for i in r.intervals if i.data_quality]
    assert qualities
    assert all(isinstance(q, DataQuality) for q in qualities)
    assert build(restored) == build(UPDATE_REPORT)


def test_int_enum_kept() -> None:
    assert decode(json.loads(json.dumps(encode(ResponseCode.INVALID_ID)))) is ResponseCode.INVALID_ID


@pytest.mark.parametrize(
    "data",
    [
        {"__t": "NoSuchClass"},
        {"__t": "os.system", "x": 1},
        {"__e": "DataQuality", "v": "not a quality"},
        {"__dt": "yesterday"},
        {"no": "tag"},
        {"__t": "Response", "unknown_field": 1},
        {"__d": {"k": 1}},  # no mapping tag: no model holds a dict
        {"__td": "ten"},
    ],
)
def test_tampered_or_unknown_data_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(CodecError):
        decode(data)


@pytest.mark.parametrize(("data", "kind"), [(b"raw", "bytes"), ([1, {2, 3}], "set"), (1j, "complex")])
def test_non_json_values_are_refused_by_decode(data: Any, kind: str) -> None:
    with pytest.raises(CodecError, match=f"unexpected {kind}"):
        decode(data)


@pytest.mark.parametrize(("value", "kind"), [({"k": 1}, "dict"), ({1, 2}, "set"), (b"x", "bytes")])
def test_values_outside_the_models_are_not_encoded(value: Any, kind: str) -> None:
    with pytest.raises(TypeError, match=f"cannot encode {kind}"):
        encode(value)
