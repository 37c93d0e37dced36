"""Small readers shared by the parsers: text, numbers, times, responses, targets, units.

Every failure is a :class:`PayloadError` naming the element path; a missing element answers
459 (missing expected information, R33), a bad value 454 (invalid data).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from ..errors import PayloadError
from ..models import ItemBase, Response, Target
from . import namespaces as ns
from .parse_construct import new_response, new_target
from .timeutil import parse_datetime, parse_duration

MISSING_CODE = 459
INVALID_CODE = 454
_EMPTY_TARGET = Target()
_MAX_NUMBER_CHARS = 64

# Tags bound to module globals: one global load per comparison instead of a global plus an
# attribute load (the parsers compare every child's tag against these).
_EI_RESPONSE_CODE = ns.EI_RESPONSE_CODE
_EI_RESPONSE_DESCRIPTION = ns.EI_RESPONSE_DESCRIPTION
_PYLD_REQUEST_ID = ns.PYLD_REQUEST_ID
_EI_VEN_ID = ns.EI_VEN_ID
_EI_RESOURCE_ID = ns.EI_RESOURCE_ID
_EI_GROUP_ID = ns.EI_GROUP_ID
_EI_PARTY_ID = ns.EI_PARTY_ID
_POWER_END_DEVICE_ASSET = ns.POWER_END_DEVICE_ASSET


def missing(path: str) -> PayloadError:
    return PayloadError("required element is missing", element=path, code=MISSING_CODE)


def invalid(path: str, what: str) -> PayloadError:
    return PayloadError(what, element=path, code=INVALID_CODE)


def text(el: etree._Element) -> str:
    value = el.text
    return value.strip() if value else ""


def opt_text(el: etree._Element) -> str | None:
    """Text, or None for an empty element (R46: empty equals omitted)."""
    value = el.text
    if value:
        value = value.strip()
    return value or None


def child(el: etree._Element, tag: str, path: str) -> etree._Element:
    for c in el[:]:  # a list lxml builds in C: cheaper than starting its child iterator
        if c.tag == tag:
            return c
    raise missing(path)


def to_int(value: str, path: str, *, unsigned: bool = True) -> int:
    if len(value) > 20 or "_" in value:
        raise invalid(path, f"not an integer: {value[:32]!r}")
    try:
        number = int(value)
    except ValueError:
        raise invalid(path, f"not an integer: {value[:32]!r}") from None
    if unsigned and number < 0:
        raise invalid(path, f"negative value {number}")
    return number


def to_float(value: str, path: str) -> float:
    """An xs:float that must be finite (float() itself ignores surrounding whitespace)."""
    try:
        number = float(value)
    except ValueError:
        raise invalid(path, f"not a number: {value[:32]!r}") from None
    if number - number != 0.0 or len(value) > _MAX_NUMBER_CHARS or "_" in value:  # NaN/inf, junk
        raise invalid(path, f"not a finite number: {value[:32]!r}")
    return number


def to_bool(value: str, path: str) -> bool:
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise invalid(path, f"not a boolean: {value[:32]!r}")


def to_datetime(value: str, path: str) -> datetime:
    try:
        return parse_datetime(value)
    except PayloadError as err:
        raise invalid(path, str(err)) from None


def to_duration(value: str, path: str) -> timedelta:
    try:
        return parse_duration(value)
    except PayloadError as err:
        raise invalid(path, str(err)) from None


# Single-child wrappers (xcal:dtstart/date-time, xcal:duration/duration, payloadFloat/value,
# uid/text) are read through their first child without re-checking its tag: reading a tag costs
# more than the rest of the work, and a wrong inner element still has to carry a valid value.


def date_time(el: etree._Element, path: str) -> datetime:
    """``<x><xcal:date-time>…</xcal:date-time></x>``."""
    try:
        inner = el[0]
    except IndexError:
        raise missing(path + "/date-time") from None
    value = inner.text
    try:
        return parse_datetime(value) if value else parse_datetime("")
    except PayloadError as err:
        raise invalid(path, str(err)) from None


def duration_prop(el: etree._Element, path: str) -> timedelta:
    """``<x><xcal:duration>PT1H</xcal:duration></x>`` (xcal:DurationPropType)."""
    try:
        inner = el[0]
    except IndexError:
        raise missing(path + "/duration") from None
    try:
        return parse_duration(inner.text or "")
    except PayloadError as err:
        raise invalid(path, str(err)) from None


def payload_float(el: etree._Element, path: str) -> float:
    """``<ei:payloadFloat><ei:value>…</ei:value></ei:payloadFloat>``."""
    try:
        inner = el[0]
    except IndexError:
        raise missing(path + "/value") from None
    return to_float(inner.text or "", path + "/value")


def response(el: etree._Element, path: str) -> Response:
    code: int | None = None
    description: str | None = None
    request_id: str | None = None
    for c in el[:]:  # a list built in C: cheaper than lxml's child iterator
        tag = c.tag
        if tag == _EI_RESPONSE_CODE:
            value = text(c)
            if len(value) != 3 or not value.isascii() or not value.isdigit():
                raise invalid(path + "/responseCode", f"not a 3-digit code: {value[:32]!r}")
            code = int(value)
        elif tag == _EI_RESPONSE_DESCRIPTION:
            description = c.text or ""
        elif tag == _PYLD_REQUEST_ID:
            request_id = opt_text(c)
    if code is None:
        raise missing(path + "/responseCode")
    return new_response(code, description, request_id)


def target(el: etree._Element) -> Target:
    """An ei:EiTargetType.  Criteria the models do not name go to ``others`` (never dropped:
    an unknown criterion must not turn the target into "everything", R48)."""
    ven_ids: list[str] = []
    resource_ids: list[str] = []
    group_ids: list[str] = []
    party_ids: list[str] = []
    assets: list[str] = []
    others: list[tuple[str, str]] = []
    for c in el[:]:  # a list built in C: cheaper than lxml's child iterator
        tag = c.tag
        if not isinstance(tag, str):
            continue
        if tag == _EI_VEN_ID:
            _add(ven_ids, c)
        elif tag == _EI_RESOURCE_ID:
            _add(resource_ids, c)
        elif tag == _EI_GROUP_ID:
            _add(group_ids, c)
        elif tag == _EI_PARTY_ID:
            _add(party_ids, c)
        elif tag == _POWER_END_DEVICE_ASSET:
            mrid = _first_text(c)
            if mrid:
                assets.append(mrid)
        else:
            kind = ns.TARGET_OTHER_KIND_BY_TAG.get(tag)
            if kind is None:
                kind = etree.QName(tag).localname
            value = text(c) if kind == "groupName" else _first_text(c)
            if kind in ("serviceArea", "serviceLocation", "transportInterface"):
                value = ""
            others.append((kind, value))
    if not (ven_ids or resource_ids or group_ids or party_ids or assets or others):
        return _EMPTY_TARGET
    return new_target(
        tuple(ven_ids), tuple(resource_ids), tuple(group_ids), tuple(party_ids), tuple(assets), tuple(others)
    )


def _add(values: list[str], el: etree._Element) -> None:
    value = el.text
    if value and (value := value.strip()):
        values.append(value)


def _first_text(el: etree._Element) -> str:
    for c in el:
        return text(c)
    return text(el)


def item_base(el: etree._Element, kind: str, path: str) -> ItemBase:
    description = units = ""
    scale = "none"
    hertz: float | None = None
    voltage: float | None = None
    ac: bool | None = None
    pulse_factor: float | None = None
    for c in el:
        tag = c.tag
        if tag in (ns.POWER_ITEM_DESCRIPTION, ns.O_ITEM_DESCRIPTION):
            description = text(c)
        elif tag in (ns.POWER_ITEM_UNITS, ns.O_ITEM_UNITS):
            units = text(c)
        elif tag == ns.SCALE_SI_SCALE_CODE:
            scale = text(c)
        elif tag == ns.O_PULSE_FACTOR:
            pulse_factor = to_float(text(c), path + "/pulseFactor")
        elif tag == ns.POWER_ATTRIBUTES:
            for a in c:
                atag = a.tag
                if atag == ns.POWER_HERTZ:
                    hertz = to_float(text(a), path + "/powerAttributes/hertz")
                elif atag == ns.POWER_VOLTAGE:
                    voltage = to_float(text(a), path + "/powerAttributes/voltage")
                elif atag == ns.POWER_AC:
                    ac = to_bool(text(a), path + "/powerAttributes/ac")
    return ItemBase(kind, description, units, scale, hertz, voltage, ac, pulse_factor)
