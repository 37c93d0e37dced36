"""OpenADR 2.0b payloads: build documents from the models and parse documents into them."""

from __future__ import annotations

from .build import build, build_element, serialize

__all__ = ["build", "build_element", "serialize"]
