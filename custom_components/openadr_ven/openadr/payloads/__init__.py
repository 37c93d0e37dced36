"""OpenADR 2.0b payloads: build documents from the models and parse documents into them.

``build`` / ``build_element`` / ``serialize`` write; ``parse`` / ``parse_element`` read and raise
only :class:`~..errors.PayloadError` subclasses.  Times and durations: :mod:`.timeutil`.
"""

from __future__ import annotations

from .build import build, build_element, serialize
from .parse import DEFAULT_MAX_BYTES, parse, parse_element, parse_xml
from .timeutil import format_datetime, format_duration, parse_datetime, parse_duration

__all__ = [
    "DEFAULT_MAX_BYTES",
    "build",
    "build_element",
    "format_datetime",
    "format_duration",
    "parse",
    "parse_datetime",
    "parse_duration",
    "parse_element",
    "parse_xml",
    "serialize",
]
