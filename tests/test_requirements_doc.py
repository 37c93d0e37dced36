"""docs/requirements.md keeps every citation followable.

Comments, docstrings and test names cite conformance rules (``R<n>``), certification test cases
(``A_E1_0310``, ``n1_0070`` in a test name, ...), pages of the 2.0b profile specification
(``S p.<n>``) and sections of the compiled requirements notes (``VEN_REQUIREMENTS §<n>``). Every one
of them must be listed in docs/requirements.md, and the rule list itself must be consistent: each
rule once, inside the spec's numbered blocks, in the table (§11.2.x) its number belongs to, and
every number of a block either a rule or a declared gap. Nothing here reads the reference texts,
which are not part of the repository.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = ROOT / "docs" / "requirements.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
TEXT_SUFFIXES = {".py", ".md", ".json", ".yaml", ".yml", ".txt", ".toml", ".cfg", ".ini", ".xml", ".j2"}

# The spec's rule blocks (§11.2.1 ... §11.2.6) and the number ranges they use.
BLOCKS: dict[str, range] = {
    "11.2.1": range(1, 71),
    "11.2.2": range(100, 117),
    "11.2.3": range(200, 212),
    "11.2.4": range(300, 347),
    "11.2.5": range(400, 408),
    "11.2.6": range(500, 518),
}
SPEC_PAGES = range(1, 111)  # the v1.1 specification has 110 pages
RULE_PAGES = range(66, 104)  # §11.2 runs from p. 66 to p. 103
BINDS = {"VEN", "VTN", "VEN/VTN", "VTN/VEN", "VEN (A profile only)", "VTN (A profile only)"}

# R<n> as a whole word: not R1_3190 (a test case: "_" is a word character), not PR13, not R1234.
# A quoted or element-enclosed "R1" / >R1< is a value in a test payload, not a citation.
RULE_RE = re.compile(r"(?P<pre>[\"'>]?)\bR(?P<n>\d{1,3})\b(?P<post>[\"'<]?)")
ENCLOSED = {('"', '"'), ("'", "'"), (">", "<")}
TEST_NAME_RE = re.compile(r"\btest_\w+")
TEST_ID_RE = re.compile(r"(?<![A-Za-z0-9])((?:A_)?[ENPRG][01]_\d{4})(?![0-9])", re.IGNORECASE)
FAMILY_RE = re.compile(r"(?<![A-Za-z0-9])((?:A_)?[ENPRG][01]_\d*x+)(?![A-Za-z0-9])", re.IGNORECASE)
PAGE_RE = re.compile(r"\bS pp?\.\s?(\d+)(?:[-\u2011\u2013](\d+))?")
NOTES_RE = re.compile(r"VEN_REQUIREMENTS (§\d+(?:\.\d+)*)")

ROW_RULE_RE = re.compile(r"^\| R(\d+) \| ([^|]+?) \| §(11\.2\.\d), p\.(\d+) \| (.+) \|$", re.MULTILINE)
ROW_TEST_RE = re.compile(r"^\| ((?:A_)?[ENPRG][01]_\d{4}) \| (.+) \|$", re.MULTILINE)
GAPS_RE = re.compile(r"^Numbers not present: (.+)\.$", re.MULTILINE)


def _scanned_files() -> Iterator[Path]:
    for top in ("custom_components", "tests", "docs"):
        for path in sorted((ROOT / top).rglob("*")):
            if (
                path.is_file()
                and path.suffix in TEXT_SUFFIXES
                and "__pycache__" not in path.parts
                and path != DOC_PATH
            ):
                yield path
    yield ROOT / "README.md"


@functools.cache
def _texts() -> tuple[tuple[str, str], ...]:
    """(path, text) of every scanned file, read once for all the tests of this module."""
    texts = []
    for path in _scanned_files():
        try:
            texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return tuple(texts)


def cited_rules(text: str) -> set[int]:
    """Rule numbers a text cites: ``R42`` in prose, and ``_r42_`` tokens in test function names."""
    found = {int(m["n"]) for m in RULE_RE.finditer(text) if (m["pre"], m["post"]) not in ENCLOSED}
    for name in TEST_NAME_RE.findall(text):
        tokens = name.split("_")
        for i, token in enumerate(tokens):
            following = tokens[i + 1] if i + 1 < len(tokens) else ""
            # r1_3190 is the test case R1_3190, not rule 1 followed by something.
            if re.fullmatch(r"r\d{1,3}", token) and not re.fullmatch(r"\d{4}", following):
                found.add(int(token[1:]))
    return found


def cited_test_ids(text: str) -> set[str]:
    return {m.upper() for m in TEST_ID_RE.findall(text)}


def _listed_rules() -> dict[int, tuple[str, str, int, str]]:
    rows: dict[int, tuple[str, str, int, str]] = {}
    for m in ROW_RULE_RE.finditer(DOC):
        number = int(m[1])
        assert number not in rows, f"R{number} is listed twice in docs/requirements.md"
        rows[number] = (m[2], m[3], int(m[4]), m[5])
    return rows


def _gaps() -> set[int]:
    found = GAPS_RE.findall(DOC)
    assert len(found) == 1, "docs/requirements.md needs one 'Numbers not present: R.., R...' line"
    return {int(n) for n in re.findall(r"R(\d+)", found[0])}


@functools.cache
def _citations() -> dict[str, tuple[set[int], set[str]]]:
    return {name: (cited_rules(text), cited_test_ids(text)) for name, text in _texts()}


# ------------------------------------------------------------------------------ the extractors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("answered on its own (R19, R48); see R200-R211 and R313/R314", {19, 48, 200, 211, 313, 314}),
        ('"""R407: forget everything', {407}),
        ("the test case R1_3190, a PR13 link, R1234, xR5, R5x", set()),
        ('{"registration_id": "R1"} <ei:rID>R2</ei:rID> \'R3\'', set()),
        ("def test_r61_implicit_cancellation_a_e1_0370() -> None:", {61}),
        ("def test_r1_3190_r340_invalid_requests(req)", {340}),
        ("def test_n1_0020_bootstrap_sequence_r401_r405_r309() -> None:", {401, 405, 309}),
        ("r1 = make(); value_r2 = 3", set()),
    ],
)
def test_rule_citations_are_found_without_false_positives(text: str, expected: set[int]) -> None:
    assert cited_rules(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(R400, N1_0070) A_E1_0310: tolerate", {"N1_0070", "A_E1_0310"}),
        (
            "def test_a_e1_0020_empty(): def test_r1_3190_x(): def test_g1_4015_y():",
            {"A_E1_0020", "R1_3190", "G1_4015"},
        ),
        ("R1_3xxx, P1_20xx, E1_10700, XE1_1070", set()),
    ],
)
def test_test_id_citations_are_found(text: str, expected: set[str]) -> None:
    assert cited_test_ids(text) == expected


# ------------------------------------------------------------------------------ the rule list


def test_rule_list_is_consistent_and_complete_per_block() -> None:
    rows = _listed_rules()
    gaps = _gaps()
    assert len(rows) >= 150, "the rule tables lost rows (or their format changed)"
    assert not rows.keys() & gaps, f"listed as rules and as gaps: {sorted(rows.keys() & gaps)}"
    for number, (binds, section, page, statement) in rows.items():
        assert 1 <= number <= 517
        assert number in BLOCKS[section], f"R{number} is not a number of the §{section} table"
        assert page in RULE_PAGES, f"R{number}: p.{page} lies outside §11.2"
        assert binds in BINDS, f"R{number}: unknown party {binds!r}"
        assert len(statement) > 20, f"R{number} has no statement"
    for section, numbers in BLOCKS.items():
        missing = [n for n in numbers if n not in rows and n not in gaps]
        assert not missing, f"§{section}: neither rule nor declared gap: {missing}"
        pages = [rows[n][2] for n in numbers if n in rows]
        assert pages == sorted(pages), f"§{section}: pages do not follow the rule order"
    assert all(any(n in r for r in BLOCKS.values()) for n in gaps), "a declared gap lies outside the blocks"


def test_test_case_table_has_no_duplicates() -> None:
    ids = [m[0] for m in ROW_TEST_RE.findall(DOC)]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 40


# ------------------------------------------------------------------------------ citations


def test_every_cited_rule_is_listed() -> None:
    listed = set(_listed_rules())
    unlisted = {name: sorted(rules - listed) for name, (rules, _) in _citations().items() if rules - listed}
    assert not unlisted, f"rules cited but not in docs/requirements.md (or not rules at all): {unlisted}"


def test_every_cited_test_case_is_listed() -> None:
    listed = {m[0] for m in ROW_TEST_RE.findall(DOC)}
    unlisted = {name: sorted(ids - listed) for name, (_, ids) in _citations().items() if ids - listed}
    assert not unlisted, f"test cases cited but not in docs/requirements.md: {unlisted}"


def test_every_cited_test_family_is_explained() -> None:
    families = {(name, f) for name, text in _texts() for f in FAMILY_RE.findall(text)}
    unknown = sorted((name, f) for name, f in families if f"`{f.upper().replace('X', 'x')}`" not in DOC)
    assert not unknown, f"test-case families cited but not in docs/requirements.md: {unknown}"


def test_cited_spec_pages_exist() -> None:
    bad = []
    for name, text in _texts():
        for first, last in PAGE_RE.findall(text):
            pages = [int(first)] + ([int(last)] if last else [])
            if any(p not in SPEC_PAGES for p in pages) or pages != sorted(pages):
                bad.append((name, first, last))
    assert not bad, f"S p.N citations outside the 110-page specification: {bad}"


def _notes_sections() -> set[str]:
    """Sections named in the first column of the VEN_REQUIREMENTS table (ranges expanded)."""
    table = DOC.split("### VEN_REQUIREMENTS sections", 1)[1].split("\n## ", 1)[0]
    sections: set[str] = set()
    for line in table.splitlines():
        if not line.startswith("| §"):
            continue
        cell = line.split("|")[1]
        for a, b in re.findall(r"§(\d+(?:\.\d+)?)(?:-§(\d+(?:\.\d+)?))?", cell):
            sections.add(a)
            if b and "." in a and a.split(".")[0] == b.split(".")[0]:
                top = a.split(".")[0]
                sections.update(f"{top}.{i}" for i in range(int(a.split(".")[1]), int(b.split(".")[1]) + 1))
    return sections


def test_cited_notes_sections_are_mapped() -> None:
    known = _notes_sections()
    bad = sorted({(name, s) for name, text in _texts() for s in NOTES_RE.findall(text) if s[1:] not in known})
    assert not bad, f"VEN_REQUIREMENTS sections cited but not mapped in docs/requirements.md: {bad}"


def test_the_page_is_linked_from_readme_and_architecture() -> None:
    assert "docs/requirements.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "requirements.md" in (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
