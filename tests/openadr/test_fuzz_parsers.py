"""Fuzzing the parsers: 12,000 mutated or generated payloads; only PayloadError may escape.

Valid samples of every message type are mutated (drop, duplicate, swap and move elements,
change text, truncate or flip bytes) and random element soups are generated.  Budget: the
four tests together stay well under a minute.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from custom_components.openadr_ven.openadr.errors import PayloadError
from custom_components.openadr_ven.openadr.models import DistributeEvent, Event, InvalidEvent
from custom_components.openadr_ven.openadr.payloads import build, parse
from custom_components.openadr_ven.openadr.payloads import namespaces as ns
from tests.openadr.samples import ALL_SAMPLES

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
DOCUMENTS = {name: build(message) for name, message in sorted(ALL_SAMPLES.items())}  # type: ignore[arg-type]
NAMES = sorted(DOCUMENTS)
TRICKY_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "4294967296",
    "1e999",
    "-1e-999",
    "NaN",
    "INF",
    "-INF",
    "1_000",
    "0x1F",
    "٣",
    "PT",
    "P",
    "-PT5M",
    "P1W",
    "P1Y2M",
    "PT1.5S",
    "P99999999999D",
    "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00+25:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "true",
    "false",
    "yes",
    "x-custom",
    "METADATA",
    "always",
    "never",
    "optIn",
    "optOut",
    "999",
    "20",
    "a" * 300,
]
TEXT = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=24),
)
ALL_TAGS = sorted(
    {
        v
        for k, v in vars(ns).items()
        if k[:1].isalpha() and k.isupper() and isinstance(v, str) and v[:1] == "{" and v[-1] != "}"
    }
)


def _check(data: bytes) -> None:
    try:
        result = parse(data)
    except PayloadError:
        return
    assert type(result).__module__.endswith("openadr.models")
    if isinstance(result, DistributeEvent):
        assert all(isinstance(e, Event) for e in result.events)
        assert all(isinstance(e, InvalidEvent) for e in result.invalid_events)


def _mutate(root: etree._Element, ops: list[tuple[int, int, int, str]]) -> None:
    for kind, a, b, text in ops:
        elements = list(root.iter())
        el = elements[a % len(elements)]
        other = elements[b % len(elements)]
        parent = el.getparent()
        if kind == 0 and parent is not None:  # drop
            parent.remove(el)
        elif kind == 1 and parent is not None:  # duplicate
            parent.insert(parent.index(el), etree.fromstring(etree.tostring(el)))
        elif kind == 2 and parent is not None and len(parent) > 1:  # swap with a sibling
            siblings = list(parent)
            i, j = parent.index(el), b % len(siblings)
            siblings[i], siblings[j] = siblings[j], siblings[i]
            parent[:] = siblings
        elif kind == 3:  # change the text
            el.text = text
        elif kind == 4 and parent is not None and el not in other.iterancestors() and el is not other:
            other.append(el)  # move somewhere else
        elif kind == 5:  # empty an element
            el[:] = []
            el.text = None
        elif kind == 6:  # rename to another known tag
            el.tag = ALL_TAGS[b % len(ALL_TAGS)]


OPS = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 10_000), st.integers(0, 10_000), TEXT), min_size=1, max_size=6
)


@settings(max_examples=4000, **SETTINGS)
@given(name=st.sampled_from(NAMES), ops=OPS)
def test_fuzz_tree_mutations(name: str, ops: list[tuple[int, int, int, str]]) -> None:
    root = etree.fromstring(DOCUMENTS[name])
    _mutate(root, ops)
    _check(etree.tostring(root))


@settings(max_examples=3000, **SETTINGS)
@given(
    name=st.sampled_from(NAMES),
    ops=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.binary(max_size=8)), min_size=1, max_size=4
    ),
)
def test_fuzz_byte_mutations(name: str, ops: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(DOCUMENTS[name])
    for kind, position, chunk in ops:
        pos = position % (len(data) + 1)
        if kind == 0:  # truncate
            del data[pos:]
        elif kind == 1:  # overwrite
            data[pos : pos + len(chunk)] = chunk
        else:  # insert
            data[pos:pos] = chunk
        if not data:
            break
    _check(bytes(data))


@settings(max_examples=3000, **SETTINGS)
@given(name=st.sampled_from(NAMES), index=st.integers(0, 10_000), text=TEXT)
def test_fuzz_every_leaf_text(name: str, index: int, text: str) -> None:
    root = etree.fromstring(DOCUMENTS[name])
    leaves = [el for el in root.iter() if len(el) == 0]
    leaves[index % len(leaves)].text = text
    _check(etree.tostring(root))


def _soup(draw: st.DrawFn, depth: int) -> etree._Element:
    el = etree.Element(draw(st.sampled_from(ALL_TAGS)))
    if depth < 5 and draw(st.booleans()):
        for _ in range(draw(st.integers(0, 4))):
            el.append(_soup(draw, depth + 1))
    else:
        el.text = draw(TEXT)
    return el


@st.composite
def soups(draw: st.DrawFn) -> bytes:
    root = etree.Element(ns.O_PAYLOAD, nsmap=ns.NSMAP)
    signed = etree.SubElement(root, ns.O_SIGNED_OBJECT)
    message = etree.SubElement(signed, draw(st.sampled_from(ALL_TAGS)))
    for _ in range(draw(st.integers(0, 6))):
        message.append(_soup(draw, 1))
    return etree.tostring(root)


@settings(max_examples=2000, **SETTINGS)
@given(data=soups())
def test_fuzz_generated_element_soups(data: bytes) -> None:
    _check(data)
