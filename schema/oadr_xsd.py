"""Locate and compile the official OpenADR 2.0b XSD set for tests.

The XSD files are not part of this repository.  They ship inside the ``openleadr`` package
(a test-only dependency, see requirements_test.txt) under ``openleadr/schema/``.  Set
``OPENADR_XSD_DIR`` to use another copy of the same schema set.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

from lxml import etree

ROOT_XSD = "oadr_20b.xsd"


class SchemaNotFoundError(RuntimeError):
    """The official XSD set is not installed."""


def schema_dir() -> Path:
    """The folder that holds oadr_20b.xsd and the files it imports."""
    env = os.environ.get("OPENADR_XSD_DIR")
    if env:
        path = Path(env)
    else:
        spec = importlib.util.find_spec("openleadr")
        if spec is None or not spec.submodule_search_locations:
            raise SchemaNotFoundError(
                "The OpenADR 2.0b XSD files come with the test dependency openleadr; "
                "install requirements_test.txt or set OPENADR_XSD_DIR"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "schema"
    if not (path / ROOT_XSD).is_file():
        raise SchemaNotFoundError(f"{ROOT_XSD} not found in {path}")
    return path


@functools.cache
def compiled_schema() -> etree.XMLSchema:
    """The compiled oadr_20b.xsd (with every schema it imports)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.parse(str(schema_dir() / ROOT_XSD), parser)
    return etree.XMLSchema(doc)


def validation_errors(xml: bytes | etree._Element) -> list[str]:
    """Every schema violation of ``xml`` as 'line N: message'; empty when it is valid."""
    doc = etree.fromstring(xml) if isinstance(xml, bytes) else xml
    schema = compiled_schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


def assert_valid(xml: bytes | etree._Element) -> None:
    """Raise AssertionError listing every violation when ``xml`` is not valid 2.0b."""
    errors = validation_errors(xml)
    if errors:
        text = xml.decode(errors="replace") if isinstance(xml, bytes) else etree.tostring(xml).decode()
        raise AssertionError("payload is not valid OpenADR 2.0b:\n" + "\n".join(errors) + "\n" + text)
